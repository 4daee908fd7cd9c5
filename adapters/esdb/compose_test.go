package esdb_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	esdbc "github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// No Docker runs on CI, so these tests check the structure of the files
// that run the ledger on EventStoreDB: docker-compose.yml, the Dockerfile
// and the Makefile's up target. The compose file is read with the small
// YAML reader below, which knows block mappings and sequences, quoted and
// plain scalars and flow sequences, and refuses everything else (anchors,
// multi-line scalars, flow mappings), so the file must stay that simple.

func repoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestComposeFile(t *testing.T) {
	doc, err := parseYAML(repoFile(t, "docker-compose.yml"))
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	root := asMap(t, "the file", doc)
	services := asMap(t, "services", root["services"])
	volumes := asMap(t, "volumes", root["volumes"])

	// Every database node: the official image at a pinned version, insecure
	// dev mode, a max append size that takes the port's largest event, a
	// health check on /health/live and a named volume for its data.
	checkNode := func(name string, clusterSize string) map[string]any {
		t.Helper()
		svc := asMap(t, name, services[name])
		image := str(t, name+".image", svc["image"])
		if !regexp.MustCompile(`^docker\.kurrent\.io/kurrent-lts/kurrentdb:\d+\.\d+\.\d+$`).MatchString(image) {
			t.Errorf("%s: image %q, want the LTS KurrentDB image at a pinned version", name, image)
		}
		env := asMap(t, name+".environment", svc["environment"])
		want := map[string]string{"KURRENTDB_INSECURE": "true", "KURRENTDB_CLUSTER_SIZE": clusterSize}
		for k, v := range want {
			if got := str(t, name+"."+k, env[k]); got != v {
				t.Errorf("%s: %s = %q, want %q", name, k, got, v)
			}
		}
		if err := checkAppendLimits(env); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		check := strings.Join(strs(t, name+".healthcheck.test", asMap(t, name+".healthcheck", svc["healthcheck"])["test"]), " ")
		if !strings.Contains(check, "http://localhost:2113/health/live") {
			t.Errorf("%s: health check %q, want a probe of /health/live", name, check)
		}
		mounts := strs(t, name+".volumes", svc["volumes"])
		if len(mounts) != 1 || !strings.HasSuffix(mounts[0], ":/var/lib/kurrentdb") {
			t.Errorf("%s: volumes %q, want one mounted at /var/lib/kurrentdb", name, mounts)
		} else if vol := strings.TrimSuffix(mounts[0], ":/var/lib/kurrentdb"); !hasKey(volumes, vol) {
			t.Errorf("%s: volume %q is not declared under volumes", name, vol)
		}
		return svc
	}

	// Every ledger: built from the Dockerfile, serving on 0.0.0.0:8080 with
	// data in a named volume, on --store eventstoredb with a connection
	// string the client parses, started once the nodes are healthy.
	checkLedger := func(name string, nodes []string) []string {
		t.Helper()
		svc := asMap(t, name, services[name])
		if b := str(t, name+".build", svc["build"]); b != "." {
			t.Errorf("%s: build %q, want the Dockerfile at the root (.)", name, b)
		}
		cmd := strs(t, name+".command", svc["command"])
		flags := map[string]string{}
		if len(cmd) == 0 || cmd[0] != "serve" {
			t.Fatalf("%s: command %q, want serve", name, cmd)
		}
		for i := 1; i+1 < len(cmd); i += 2 {
			flags[cmd[i]] = cmd[i+1]
		}
		for flag, want := range map[string]string{"--addr": "0.0.0.0:8080", "--data": "/data", "--store": "eventstoredb"} {
			if flags[flag] != want {
				t.Errorf("%s: %s %q, want %q (command %q)", name, flag, flags[flag], want, cmd)
			}
		}
		cfg, err := esdbc.ParseConnectionString(flags["--eventstoredb-url"])
		if err != nil {
			t.Fatalf("%s: --eventstoredb-url %q: %v", name, flags["--eventstoredb-url"], err)
		}
		if !cfg.DisableTLS {
			t.Errorf("%s: --eventstoredb-url %q: the dev nodes are insecure, want tls=false", name, flags["--eventstoredb-url"])
		}
		var hosts []string
		if cfg.Address != "" {
			hosts = append(hosts, cfg.Address)
		}
		for _, seed := range cfg.GossipSeeds {
			hosts = append(hosts, seed.String())
		}
		if mounts := strs(t, name+".volumes", svc["volumes"]); len(mounts) != 1 || !strings.HasSuffix(mounts[0], ":/data") || !hasKey(volumes, strings.TrimSuffix(mounts[0], ":/data")) {
			t.Errorf("%s: volumes %q, want one declared volume at /data", name, mounts)
		}
		deps := asMap(t, name+".depends_on", svc["depends_on"])
		for _, n := range nodes {
			if c := str(t, name+".depends_on."+n, asMap(t, name+".depends_on."+n, deps[n])["condition"]); c != "service_healthy" {
				t.Errorf("%s: depends on %s with condition %q, want service_healthy", name, n, c)
			}
		}
		if check := strings.Join(strs(t, name+".healthcheck.test", asMap(t, name+".healthcheck", svc["healthcheck"])["test"]), " "); !strings.Contains(check, "/healthz") {
			t.Errorf("%s: health check %q, want a probe of /healthz", name, check)
		}
		return hosts
	}

	// The default: one node, one ledger, no profile.
	node := checkNode("eventstoredb", "1")
	if _, ok := node["profiles"]; ok {
		t.Error("eventstoredb: has a profile; `make up` must start it")
	}
	if hosts := checkLedger("ledger", []string{"eventstoredb"}); !slices.Equal(hosts, []string{"eventstoredb:2113"}) {
		t.Errorf("ledger: connects to %q, want the eventstoredb service", hosts)
	}

	// The cluster profile: three nodes that seed each other's gossip, and a
	// ledger that knows all three.
	var clusterNodes, addrs []string
	for name, v := range services {
		if slices.Contains(strsOrNil(asMap(t, name, v)["profiles"]), "cluster") && strings.HasPrefix(name, "eventstoredb-") {
			clusterNodes = append(clusterNodes, name)
		}
	}
	slices.Sort(clusterNodes)
	if len(clusterNodes) != 3 {
		t.Fatalf("cluster profile: nodes %q, want three", clusterNodes)
	}
	for _, name := range clusterNodes {
		svc := checkNode(name, "3")
		env := asMap(t, name+".environment", svc["environment"])
		addrs = append(addrs, str(t, name+".KURRENTDB_REPLICATION_IP", env["KURRENTDB_REPLICATION_IP"])+":2113")
	}
	for i, name := range clusterNodes {
		env := asMap(t, name+".environment", asMap(t, name, services[name])["environment"])
		seeds := strings.Split(str(t, name+".KURRENTDB_GOSSIP_SEED", env["KURRENTDB_GOSSIP_SEED"]), ",")
		others := slices.Delete(slices.Clone(addrs), i, i+1)
		if !slices.Equal(seeds, others) {
			t.Errorf("%s: gossip seeds %q, want the other nodes %q", name, seeds, others)
		}
	}
	if !slices.Contains(strsOrNil(asMap(t, "ledger-cluster", services["ledger-cluster"])["profiles"]), "cluster") {
		t.Error("ledger-cluster: not in the cluster profile")
	}
	hosts := checkLedger("ledger-cluster", clusterNodes)
	slices.Sort(hosts)
	if !slices.Equal(hosts, addrs) {
		t.Errorf("ledger-cluster: connects to %q, want the three nodes %q", hosts, addrs)
	}
}

// KurrentDB's limits on appends, as its option validator (25.1 and later)
// enforces them: the per-event limit at most 16 MiB (the largest log
// record) and at most the total; the total at most 256 MiB (a chunk).
const (
	maxLogRecordSize = 16 << 20
	chunkSize        = 256 << 20
	// ledgerEventSize is what the port's largest event needs on the
	// server: 1 MiB of data plus its metadata and type, rounded up.
	ledgerEventSize = 2 << 20
	// defaultAppendEventSize and defaultAppendSize are 25.1's defaults.
	defaultAppendEventSize = maxLogRecordSize
	defaultAppendSize      = chunkSize
)

// checkAppendLimits checks a node's environment the way the node checks its
// options at start, and that the ledger's largest event fits. Setting one
// limit alone is refused: the total alone below 16 MiB stops the node from
// starting (ClusterVNodeOptionsValidator), and the per-event limit alone
// would not survive a change of the other default.
func checkAppendLimits(env map[string]any) error {
	total, hasTotal := env["KURRENTDB_MAX_APPEND_SIZE"]
	event, hasEvent := env["KURRENTDB_MAX_APPEND_EVENT_SIZE"]
	if hasTotal != hasEvent {
		return fmt.Errorf("KURRENTDB_MAX_APPEND_SIZE and KURRENTDB_MAX_APPEND_EVENT_SIZE must be set together or not at all")
	}
	t, e := defaultAppendSize, defaultAppendEventSize
	if hasTotal {
		var err error
		ts, _ := total.(string)
		es, _ := event.(string)
		if t, err = strconv.Atoi(ts); err != nil {
			return fmt.Errorf("KURRENTDB_MAX_APPEND_SIZE %q: %w", ts, err)
		}
		if e, err = strconv.Atoi(es); err != nil {
			return fmt.Errorf("KURRENTDB_MAX_APPEND_EVENT_SIZE %q: %w", es, err)
		}
	}
	switch {
	case e > maxLogRecordSize:
		return fmt.Errorf("per-event limit %d above %d: the node refuses to start", e, maxLogRecordSize)
	case e > t:
		return fmt.Errorf("per-event limit %d above the total %d: the node refuses to start", e, t)
	case t > chunkSize:
		return fmt.Errorf("total limit %d above %d", t, chunkSize)
	case e < ledgerEventSize:
		return fmt.Errorf("per-event limit %d, want at least %d (1 MiB of data plus metadata)", e, ledgerEventSize)
	}
	return nil
}

func TestCheckAppendLimits(t *testing.T) {
	tests := []struct {
		env  map[string]any
		fail bool
	}{
		{map[string]any{}, false},
		{map[string]any{"KURRENTDB_MAX_APPEND_SIZE": "8388608", "KURRENTDB_MAX_APPEND_EVENT_SIZE": "4194304"}, false},
		// The defect this guards: the total alone, below the default
		// per-event limit of 16 MiB.
		{map[string]any{"KURRENTDB_MAX_APPEND_SIZE": "8388608"}, true},
		{map[string]any{"KURRENTDB_MAX_APPEND_EVENT_SIZE": "4194304"}, true},
		{map[string]any{"KURRENTDB_MAX_APPEND_SIZE": "4194304", "KURRENTDB_MAX_APPEND_EVENT_SIZE": "8388608"}, true},
		{map[string]any{"KURRENTDB_MAX_APPEND_SIZE": "33554432", "KURRENTDB_MAX_APPEND_EVENT_SIZE": "33554432"}, true},
		{map[string]any{"KURRENTDB_MAX_APPEND_SIZE": "8388608", "KURRENTDB_MAX_APPEND_EVENT_SIZE": "1048576"}, true},
		{map[string]any{"KURRENTDB_MAX_APPEND_SIZE": "x", "KURRENTDB_MAX_APPEND_EVENT_SIZE": "4194304"}, true},
	}
	for _, tc := range tests {
		if err := checkAppendLimits(tc.env); (err != nil) != tc.fail {
			t.Errorf("checkAppendLimits(%v) = %v, want failure %v", tc.env, err, tc.fail)
		}
	}
}

func TestDockerfile(t *testing.T) {
	df := repoFile(t, "Dockerfile")
	var froms, users []string
	for _, l := range strings.Split(df, "\n") {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, f[1])
		case "USER":
			users = append(users, f[1])
		}
	}
	if len(froms) < 2 {
		t.Errorf("FROM %q: want a multi-stage build", froms)
	}
	if len(users) == 0 || slices.ContainsFunc(users, func(u string) bool { return u == "root" || strings.HasPrefix(u, "0") }) {
		t.Errorf("USER %q: want a non-root user in the final stage", users)
	}
	for _, want := range []string{"CGO_ENABLED=0", "./cmd/ledger", "ENTRYPOINT", "HEALTHCHECK"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

func TestMakeUp(t *testing.T) {
	mk := repoFile(t, "Makefile")
	if !regexp.MustCompile(`(?m)^up:.*\n\tdocker compose up -d\s*$`).MatchString(mk) {
		t.Error("Makefile: want a target `up` that runs `docker compose up -d`")
	}
}

// A small YAML reader, for the file above only.

type yamlLine struct {
	no     int
	indent int
	text   string
}

func parseYAML(src string) (any, error) {
	var lines []yamlLine
	for i, raw := range strings.Split(src, "\n") {
		if strings.Contains(raw, "\t") {
			return nil, fmt.Errorf("line %d: a tab", i+1)
		}
		text := strings.TrimRight(stripComment(raw), " ")
		trimmed := strings.TrimLeft(text, " ")
		if trimmed == "" {
			continue
		}
		if strings.ContainsAny(trimmed[:1], "&*|>{!%@`") {
			return nil, fmt.Errorf("line %d: %q is beyond this reader", i+1, trimmed)
		}
		lines = append(lines, yamlLine{no: i + 1, indent: len(text) - len(trimmed), text: trimmed})
	}
	if len(lines) == 0 {
		return nil, fmt.Errorf("empty")
	}
	v, next, err := parseNode(lines, 0, lines[0].indent)
	if err != nil {
		return nil, err
	}
	if next != len(lines) {
		return nil, fmt.Errorf("line %d: unexpected indentation", lines[next].no)
	}
	return v, nil
}

// stripComment drops a comment that starts outside quotes.
func stripComment(s string) string {
	var quote rune
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '#' && (i == 0 || s[i-1] == ' '):
			return s[:i]
		}
	}
	return s
}

func parseNode(lines []yamlLine, i, indent int) (any, int, error) {
	if isItem(lines[i].text) {
		return parseSeq(lines, i, indent)
	}
	return parseMap(lines, i, indent)
}

func isItem(s string) bool { return s == "-" || strings.HasPrefix(s, "- ") }

func parseMap(lines []yamlLine, i, indent int) (any, int, error) {
	m := map[string]any{}
	for i < len(lines) && lines[i].indent == indent && !isItem(lines[i].text) {
		l := lines[i]
		key, rest, ok := splitKey(l.text)
		if !ok {
			return nil, i, fmt.Errorf("line %d: %q is not a key", l.no, l.text)
		}
		if _, dup := m[key]; dup {
			return nil, i, fmt.Errorf("line %d: key %q twice", l.no, key)
		}
		i++
		switch {
		case rest != "":
			v, err := scalar(rest)
			if err != nil {
				return nil, i, fmt.Errorf("line %d: %w", l.no, err)
			}
			m[key] = v
		case i < len(lines) && (lines[i].indent > indent || (lines[i].indent == indent && isItem(lines[i].text))):
			v, next, err := parseNode(lines, i, lines[i].indent)
			if err != nil {
				return nil, i, err
			}
			m[key], i = v, next
		default:
			m[key] = nil
		}
	}
	if i < len(lines) && lines[i].indent > indent {
		return nil, i, fmt.Errorf("line %d: unexpected indentation", lines[i].no)
	}
	return m, i, nil
}

func parseSeq(lines []yamlLine, i, indent int) (any, int, error) {
	var seq []any
	for i < len(lines) && lines[i].indent == indent && isItem(lines[i].text) {
		l := lines[i]
		item := strings.TrimSpace(strings.TrimPrefix(l.text, "-"))
		i++
		switch {
		case item == "":
			if i >= len(lines) || lines[i].indent <= indent {
				return nil, i, fmt.Errorf("line %d: empty item", l.no)
			}
			v, next, err := parseNode(lines, i, lines[i].indent)
			if err != nil {
				return nil, i, err
			}
			seq, i = append(seq, v), next
		case isMapStart(item):
			// "- key: value" opens a mapping whose other keys follow at
			// the indentation of its first key.
			inner := indent + (len(l.text) - len(strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")))
			sub := append([]yamlLine{{no: l.no, indent: inner, text: item}}, lines[i:]...)
			v, next, err := parseMap(sub, 0, inner)
			if err != nil {
				return nil, i, err
			}
			seq, i = append(seq, v), i+next-1
		default:
			v, err := scalar(item)
			if err != nil {
				return nil, i, fmt.Errorf("line %d: %w", l.no, err)
			}
			seq = append(seq, v)
		}
	}
	return seq, i, nil
}

func isMapStart(s string) bool {
	_, _, ok := splitKey(s)
	return ok && !strings.HasPrefix(s, `"`) && !strings.HasPrefix(s, "[")
}

// splitKey splits "key: value" or "key:".
func splitKey(s string) (key, rest string, ok bool) {
	if k, ok := strings.CutSuffix(s, ":"); ok && !strings.Contains(k, ": ") {
		return unquoteKey(k), "", true
	}
	k, rest, ok := strings.Cut(s, ": ")
	if !ok {
		return "", "", false
	}
	return unquoteKey(k), strings.TrimSpace(rest), true
}

func unquoteKey(k string) string {
	if u, err := strconv.Unquote(k); err == nil {
		return u
	}
	return k
}

// scalar reads a plain or quoted scalar, or a flow sequence of them.
func scalar(s string) (any, error) {
	if strings.HasPrefix(s, "[") {
		if !strings.HasSuffix(s, "]") {
			return nil, fmt.Errorf("unterminated flow sequence %q", s)
		}
		var out []any
		for _, part := range splitFlow(s[1 : len(s)-1]) {
			v, err := scalar(strings.TrimSpace(part))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	switch {
	case strings.HasPrefix(s, `"`):
		return strconv.Unquote(s)
	case strings.HasPrefix(s, "'"):
		if len(s) < 2 || !strings.HasSuffix(s, "'") {
			return nil, fmt.Errorf("unterminated %q", s)
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	case strings.ContainsAny(s[:1], "{&*|>!"):
		return nil, fmt.Errorf("%q is beyond this reader", s)
	}
	return s, nil
}

func splitFlow(s string) []string {
	var parts []string
	var quote rune
	start := 0
	for i, r := range s {
		switch {
		case quote != 0:
			if r == quote && (i == 0 || s[i-1] != '\\') {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == ',':
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if strings.TrimSpace(s[start:]) != "" {
		parts = append(parts, s[start:])
	}
	return parts
}

func asMap(t *testing.T, what string, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: %T, want a mapping", what, v)
	}
	return m
}

func str(t *testing.T, what string, v any) string {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%s: %T (%v), want a string", what, v, v)
	}
	return s
}

func strs(t *testing.T, what string, v any) []string {
	t.Helper()
	seq, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: %T, want a sequence", what, v)
	}
	out := make([]string, len(seq))
	for i, e := range seq {
		out[i] = str(t, fmt.Sprintf("%s[%d]", what, i), e)
	}
	return out
}

func strsOrNil(v any) []string {
	seq, _ := v.([]any)
	var out []string
	for _, e := range seq {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func hasKey(m map[string]any, k string) bool {
	_, ok := m[k]
	return ok
}

// TestYAMLReader pins the reader on the shapes the compose file uses, and
// on what it refuses.
func TestYAMLReader(t *testing.T) {
	got, err := parseYAML(`
a: 1 # comment
b: "two # not a comment"
c:
  - x
  - "y"
  - [p, "q r"]
d:
  e:
    f: g
  h:
    - k: v
      l: w
    - m
empty:
`)
	if err != nil {
		t.Fatal(err)
	}
	want := `map[a:1 b:two # not a comment c:[x y [p q r]] d:map[e:map[f:g] h:[map[k:v l:w] m]] empty:<nil>]`
	if fmt.Sprint(got) != want {
		t.Errorf("parsed\n got %v\nwant %s", got, want)
	}
	for _, bad := range []string{"a: &x 1\n", "a: |\n  text\n", "a:\n  b: 1\n c: 2\n", "a: 1\na: 2\n", "a: {b: 1}\n", "a:\n\tb: 1\n"} {
		if _, err := parseYAML(bad); err == nil {
			t.Errorf("parseYAML(%q) accepted it", bad)
		}
	}
}
