package xapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
)

// filter is a parsed GET of many statements.
type filter struct {
	agent              map[string]string // identity of the agent filter
	verb, activity     string
	registration       string
	relatedActivities  bool
	relatedAgents      bool
	since, until       time.Time
	limit              int
	format             string
	attachments        bool
	ascending          bool
	hasSince, hasUntil bool
}

var queryParams = map[string]bool{"agent": true, "verb": true, "activity": true, "registration": true, "related_activities": true,
	"related_agents": true, "since": true, "until": true, "limit": true, "format": true, "attachments": true, "ascending": true}

func parseBool(q url.Values, k string) (bool, error) {
	v := q.Get(k)
	switch v {
	case "":
		return false, nil
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, badf("%s must be true or false", k)
}

func parseFormat(q url.Values) (string, error) {
	switch f := q.Get("format"); f {
	case "", "exact":
		return "exact", nil
	case "ids", "canonical":
		return f, nil
	default:
		return "", badf("format must be ids, exact or canonical")
	}
}

func parseFilter(q url.Values) (filter, error) {
	var f filter
	for k := range q {
		if !queryParams[k] {
			return f, badf("%s is not a parameter of the statement resource", k)
		}
	}
	var err error
	if a := q.Get("agent"); a != "" {
		v, err := decodeJSON([]byte(a))
		if err != nil {
			return f, badf("agent: %v", err)
		}
		var c checker
		c.actor("agent", v)
		if c.err != nil {
			return f, c.err
		}
		f.agent = identity(v.(obj))
	}
	if v := q.Get("verb"); v != "" {
		if !iriPattern.MatchString(v) {
			return f, badf("verb must be an IRI")
		}
		f.verb = v
	}
	if v := q.Get("activity"); v != "" {
		if !iriPattern.MatchString(v) {
			return f, badf("activity must be an IRI")
		}
		f.activity = v
	}
	if v := q.Get("registration"); v != "" {
		if !validUUID(v) {
			return f, badf("registration must be a UUID")
		}
		f.registration = strings.ToLower(v)
	}
	if f.relatedActivities, err = parseBool(q, "related_activities"); err != nil {
		return f, err
	}
	if f.relatedAgents, err = parseBool(q, "related_agents"); err != nil {
		return f, err
	}
	if f.attachments, err = parseBool(q, "attachments"); err != nil {
		return f, err
	}
	if f.ascending, err = parseBool(q, "ascending"); err != nil {
		return f, err
	}
	for _, k := range []string{"since", "until"} {
		v := q.Get(k)
		if v == "" {
			continue
		}
		t, err := parseTimestamp(v)
		if err != nil {
			return f, badf("%s: %v", k, err)
		}
		if k == "since" {
			f.since, f.hasSince = t, true
		} else {
			f.until, f.hasUntil = t, true
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, badf("limit must be a non-negative integer")
		}
		f.limit = n
	}
	if f.format, err = parseFormat(q); err != nil {
		return f, err
	}
	return f, nil
}

// identity is an Agent's or identified Group's inverse functional
// identifier, as key and value.
func identity(o obj) map[string]string {
	id := map[string]string{}
	for _, k := range []string{"mbox", "mbox_sha1sum", "openid"} {
		if s, ok := o[k].(string); ok {
			id[k] = s
		}
	}
	if a, ok := o["account"].(obj); ok {
		hp, _ := a["homePage"].(string)
		n, _ := a["name"].(string)
		id["account"] = hp + "\x00" + n
	}
	return id
}

// agentsOf lists the agents and groups a statement names: the actor and
// an agent object, and, when related, every other (authority, context,
// group members, a SubStatement's).
func agentsOf(s obj, related bool) []obj {
	var out []obj
	add := func(v any) {
		o, ok := v.(obj)
		if !ok {
			return
		}
		out = append(out, o)
		if related {
			if ms, ok := o["member"].([]any); ok {
				for _, m := range ms {
					if mo, ok := m.(obj); ok {
						out = append(out, mo)
					}
				}
			}
		}
	}
	add(s["actor"])
	ob, _ := s["object"].(obj)
	if t, _ := ob["objectType"].(string); t == "Agent" || t == "Group" {
		add(ob)
	}
	if !related {
		return out
	}
	add(s["authority"])
	if ctx, ok := s["context"].(obj); ok {
		add(ctx["instructor"])
		add(ctx["team"])
		for _, k := range []string{"contextAgents", "contextGroups"} {
			if list, ok := ctx[k].([]any); ok {
				for _, ca := range list {
					if cao, ok := ca.(obj); ok {
						add(cao["agent"])
						add(cao["group"])
					}
				}
			}
		}
	}
	if t, _ := ob["objectType"].(string); t == "SubStatement" {
		out = append(out, agentsOf(ob, true)...)
	}
	return out
}

// activitiesOf lists the activity ids a statement names: its object's,
// and, when related, its context's and a SubStatement's.
func activitiesOf(s obj, related bool) []string {
	var out []string
	ob, _ := s["object"].(obj)
	t, _ := ob["objectType"].(string)
	if t == "" || t == "Activity" {
		if id, ok := ob["id"].(string); ok {
			out = append(out, id)
		}
	}
	if !related {
		return out
	}
	if ctx, ok := s["context"].(obj); ok {
		if ca, ok := ctx["contextActivities"].(obj); ok {
			for _, v := range ca {
				list, isList := v.([]any)
				if !isList {
					list = []any{v}
				}
				for _, a := range list {
					if ao, ok := a.(obj); ok {
						if id, ok := ao["id"].(string); ok {
							out = append(out, id)
						}
					}
				}
			}
		}
	}
	if t == "SubStatement" {
		out = append(out, activitiesOf(ob, true)...)
	}
	return out
}

// matches reports whether e passes f: its stored time within since and
// until, and its content (agent, verb, activity, registration) matching,
// or, for a statement whose object is a StatementRef, the content of the
// statement it targets (one level, as the specification asks: a voiding
// statement is found by the filter its voided statement matches). target
// looks a statement up by id. It reads the entry's keys, not the
// statement.
func (f filter) matches(e *entry, target func(id string) *entry) bool {
	if f.hasSince && e.stored <= nanos(f.since) {
		return false
	}
	if f.hasUntil && e.stored > nanos(f.until) {
		return false
	}
	if f.matchesContent(e) {
		return true
	}
	if ref := e.ref(); ref != "" {
		if t := target(ref); t != nil && t.school == e.school {
			return f.matchesContent(t)
		}
	}
	return false
}

func (f filter) matchesContent(e *entry) bool {
	if f.verb != "" && e.verb != f.verb {
		return false
	}
	if f.registration != "" && e.registration() != f.registration {
		return false
	}
	if f.activity != "" && !slices.Contains(e.activityIDs(f.relatedActivities), f.activity) {
		return false
	}
	if f.agent != nil {
		found := false
		for _, key := range e.agentKeys(f.relatedAgents) {
			// key is an identifier's kind and value: "account" values
			// hold a NUL of their own, after the first.
			k, v, _ := strings.Cut(key, "\x00")
			if want, ok := f.agent[k]; ok && want == v {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// storedAt is the statement's stored property.
func (e *entry) storedAt() time.Time { return time.Unix(0, e.stored).UTC() }

// more is the state of a paged query, carried in the more link.
type more struct {
	Query string `json:"q"`
	// Offset is how many matches to skip: the cursor of the links given
	// before After was (such a link still works).
	Offset int `json:"o,omitempty"`
	// After is the position of the last statement of the page before: the
	// next page goes on below it (above it, ascending).
	After uint64 `json:"a,omitempty"`
	// Upto is the last position the first page saw, so that later pages
	// page through the same statements.
	Upto uint64 `json:"u"`
}

func (rs *Resource) get(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	rs.setConsistent(w)
	q := r.URL.Query()
	if q.Has("statementId") || q.Has("voidedStatementId") {
		return rs.getOne(w, r, p, q)
	}
	m := more{Query: q.Encode()}
	if tok := q.Get("more"); tok != "" {
		if len(q) != 1 {
			return badf("more takes no other parameter")
		}
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || json.Unmarshal(raw, &m) != nil {
			return badf("more is not a link this resource gave")
		}
		var perr error
		if q, perr = url.ParseQuery(m.Query); perr != nil {
			return badf("more is not a link this resource gave")
		}
	}
	f, err := parseFilter(q)
	if err != nil {
		return err
	}
	limit := f.limit
	if limit == 0 || limit > rs.cfg.MaxLimit {
		limit = rs.cfg.MaxLimit
	}
	page, hasMore, upto := rs.cfg.Index.query(p.School, f, m.Upto, m.After, m.Offset, limit)
	if m.Upto == 0 {
		m.Upto = upto
	}
	next := ""
	if hasMore {
		n := more{Query: m.Query, After: page[len(page)-1].position, Upto: m.Upto}
		raw, _ := json.Marshal(n)
		next = "/xapi/statements?more=" + base64.RawURLEncoding.EncodeToString(raw)
	}
	stmts := make([]json.RawMessage, len(page))
	var newest time.Time
	for i, e := range page {
		stmts[i] = formatted(e, f.format, r.Header.Get("Accept-Language"))
		if t := e.storedAt(); t.After(newest) {
			newest = t
		}
	}
	if !newest.IsZero() {
		w.Header().Set("Last-Modified", newest.UTC().Format(http.TimeFormat))
	}
	body, err := domain.EncodeJSON(map[string]any{"statements": stmts, "more": next})
	if err != nil {
		return fmt.Errorf("encode statements: %w", err)
	}
	if f.attachments {
		return writeMultipart(w, body, page)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	return nil
}

// setConsistent sets X-Experience-API-Consistent-Through to now: every
// statement whose write was answered is in the Index, since a write
// waits for the Index before it answers, so a read sees every statement
// stored before it began.
func (rs *Resource) setConsistent(w http.ResponseWriter) {
	w.Header().Set("X-Experience-API-Consistent-Through", rs.cfg.Now().UTC().Format(time.RFC3339Nano))
}

func (rs *Resource) getOne(w http.ResponseWriter, r *http.Request, p access.Principal, q url.Values) error {
	if q.Has("statementId") && q.Has("voidedStatementId") {
		return badf("send statementId or voidedStatementId, not both")
	}
	for k := range q {
		switch k {
		case "statementId", "voidedStatementId", "attachments", "format":
		default:
			return badf("%s cannot be sent with statementId or voidedStatementId", k)
		}
	}
	format, err := parseFormat(q)
	if err != nil {
		return err
	}
	withAttachments, err := parseBool(q, "attachments")
	if err != nil {
		return err
	}
	voided := q.Has("voidedStatementId")
	id := q.Get("statementId")
	if voided {
		id = q.Get("voidedStatementId")
	}
	if !validUUID(id) {
		return badf("the statement id must be a UUID")
	}
	e, ok := rs.cfg.Index.lookup(strings.ToLower(id))
	if !ok || e.school != p.School || (e.voidedBy != "") != voided {
		return &notFoundError{what: "statement " + id}
	}
	body := formatted(&e, format, r.Header.Get("Accept-Language"))
	w.Header().Set("Last-Modified", e.storedAt().UTC().Format(http.TimeFormat))
	if withAttachments {
		return writeMultipart(w, body, []*entry{&e})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	return nil
}

// query returns at most n of the school's statements that match f and are
// not voided, in the order asked, among those at positions up to upto (0:
// all) and past after (0: from the first; else the position of the last
// statement of the page before), skipping the first skip matches; whether
// more match; and the last position it saw.
//
// It reads the shortest list of the school's statementIndex that f allows
// (with the StatementRef statements beside it, which match by their
// target), narrowed by binary search to the positions and stored times f
// admits, checks each statement against f whole, and stops at n+1: its
// work grows with the page and the list, not with the school's statements.
func (x *Index) query(school string, f filter, upto, after uint64, skip, n int) ([]*entry, bool, uint64) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if upto == 0 {
		upto = x.position
	}
	s := x.schools[school]
	if s == nil || len(s.statements.all) == 0 {
		return nil, false, upto
	}
	si := &s.statements
	lo, hi := uint64(1), upto // positions, both included
	if after > 0 {
		if f.ascending {
			lo = max(lo, after+1)
		} else {
			hi = min(hi, after-1)
		}
	}
	if f.hasSince {
		since := nanos(f.since)
		i := sort.Search(len(si.all), func(i int) bool { return si.maxStored[i] > since })
		if i == len(si.all) {
			return nil, false, upto
		}
		lo = max(lo, si.all[i].position)
	}
	if f.hasUntil {
		until := nanos(f.until)
		i := sort.Search(len(si.all), func(i int) bool { return si.minStored[i] > until })
		if i == 0 {
			return nil, false, upto
		}
		hi = min(hi, si.all[i-1].position)
	}
	if lo > hi {
		return nil, false, upto
	}
	list, refs := si.candidates(f)
	list, refs = window(list, lo, hi), window(refs, lo, hi)
	target := func(id string) *entry { return x.byID[id] }
	var out []*entry
	hasMore := false
	// Merge the two lists in the order asked; a statement on both is read
	// once.
	i, j := 0, 0
	if !f.ascending {
		i, j = len(list)-1, len(refs)-1
	}
	for {
		var e *entry
		inList, inRefs := i >= 0 && i < len(list), j >= 0 && j < len(refs)
		switch {
		case inList && inRefs:
			a, b := list[i], refs[j]
			switch {
			case a == b:
				e = a
			case (a.position < b.position) == f.ascending:
				e = a
			default:
				e = b
			}
		case inList:
			e = list[i]
		case inRefs:
			e = refs[j]
		}
		if e == nil {
			break
		}
		step := 1
		if !f.ascending {
			step = -1
		}
		if inList && list[i] == e {
			i += step
		}
		if inRefs && refs[j] == e {
			j += step
		}
		if e.voidedBy != "" || !f.matches(e, target) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		if len(out) == n {
			hasMore = true
			break
		}
		cp := *e
		out = append(out, &cp)
	}
	return out, hasMore, upto
}

// candidates returns the shortest list of si that holds every statement
// whose own content can match f, and the StatementRef statements to read
// beside it (none when the list is every statement).
func (si *statementIndex) candidates(f filter) (list, refs []*entry) {
	found := false
	consider := func(l []*entry) {
		if !found || len(l) < len(list) {
			list, found = l, true
		}
	}
	if len(f.agent) == 1 {
		m := si.byAgent
		if f.relatedAgents {
			m = si.byRelatedAgent
		}
		for k, v := range f.agent {
			consider(m[k+"\x00"+v])
		}
	}
	if f.verb != "" {
		consider(si.byVerb[f.verb])
	}
	if f.activity != "" {
		m := si.byActivity
		if f.relatedActivities {
			m = si.byRelatedActivity
		}
		consider(m[f.activity])
	}
	if f.registration != "" {
		consider(si.byRegistration[f.registration])
	}
	if !found {
		return si.all, nil
	}
	return list, si.refs
}

// window is the part of list, in stored order, at positions lo to hi.
func window(list []*entry, lo, hi uint64) []*entry {
	from := sort.Search(len(list), func(i int) bool { return list[i].position >= lo })
	to := sort.Search(len(list), func(i int) bool { return list[i].position > hi })
	if from >= to {
		return nil
	}
	return list[from:to]
}

// formatted is a statement in the format asked: exact as stored; ids with
// agents, groups and activities reduced to their identifiers; canonical
// with each language map reduced to one language.
func formatted(e *entry, format, acceptLanguage string) json.RawMessage {
	if format == "exact" || format == "" {
		return e.raw
	}
	stmt, err := e.statement()
	if err != nil {
		return e.raw
	}
	switch format {
	case "ids":
		b, err := domain.EncodeJSON(idsOnly(stmt, ""))
		if err == nil {
			return b
		}
	case "canonical":
		b, err := domain.EncodeJSON(canonical(stmt, "", preferredLanguages(acceptLanguage)))
		if err == nil {
			return b
		}
	}
	return e.raw
}

// idsOnly rewrites v, the value under key, for format=ids.
func idsOnly(v any, key string) any {
	switch v := v.(type) {
	case obj:
		t, _ := v["objectType"].(string)
		_, hasIFI := identityKeys(v)
		switch {
		case key == "verb":
			return obj{"id": v["id"]}
		case (t == "" && hasIFI) || t == "Agent" || (t == "Group" && v["member"] == nil):
			out := obj{}
			if t != "" {
				out["objectType"] = t
			}
			for _, k := range []string{"mbox", "mbox_sha1sum", "openid", "account"} {
				if x, ok := v[k]; ok {
					out[k] = x
				}
			}
			return out
		case t == "Group":
			out := obj{"objectType": "Group"}
			for _, k := range []string{"mbox", "mbox_sha1sum", "openid", "account"} {
				if x, ok := v[k]; ok {
					out[k] = x
				}
			}
			out["member"] = idsOnly(v["member"], "member")
			return out
		case (t == "" || t == "Activity") && v["id"] != nil && (key == "object" || key == "parent" || key == "grouping" || key == "category" || key == "other"):
			return obj{"id": v["id"]}
		}
		out := make(obj, len(v))
		for k, x := range v {
			out[k] = idsOnly(x, k)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = idsOnly(x, key)
		}
		return out
	}
	return v
}

func identityKeys(o obj) (string, bool) {
	for _, k := range []string{"mbox", "mbox_sha1sum", "openid", "account"} {
		if _, ok := o[k]; ok {
			return k, true
		}
	}
	return "", false
}

// canonical reduces each language map of v to one language, the first of
// langs it has, else any one.
func canonical(v any, key string, langs []string) any {
	switch v := v.(type) {
	case obj:
		if key == "display" || key == "description" || key == "name" {
			if isLangMap(v) && len(v) > 1 {
				return obj{pickLanguage(v, langs): v[pickLanguage(v, langs)]}
			}
		}
		out := make(obj, len(v))
		for k, x := range v {
			if k == "extensions" {
				out[k] = x
				continue
			}
			out[k] = canonical(x, k, langs)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = canonical(x, key, langs)
		}
		return out
	}
	return v
}

func isLangMap(o obj) bool {
	for k, v := range o {
		if _, ok := v.(string); !ok || !langPattern.MatchString(k) {
			return false
		}
	}
	return true
}

func pickLanguage(o obj, langs []string) string {
	for _, l := range langs {
		for k := range o {
			if strings.EqualFold(k, l) {
				return k
			}
		}
	}
	best := ""
	for k := range o {
		if best == "" || k < best {
			best = k
		}
	}
	return best
}

func preferredLanguages(h string) []string {
	var out []string
	for _, part := range strings.Split(h, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		if tag != "" && tag != "*" {
			out = append(out, tag)
		}
	}
	return out
}

// writeMultipart answers statements with their attachments, as
// multipart/mixed: the JSON first, then each attachment once.
func writeMultipart(w http.ResponseWriter, body []byte, entries []*entry) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", "application/json")
	pw, err := mw.CreatePart(h)
	if err != nil {
		return fmt.Errorf("multipart: %w", err)
	}
	pw.Write(body)
	seen := map[string]bool{}
	for _, e := range entries {
		for _, a := range e.attachments() {
			if seen[a.SHA2] {
				continue
			}
			seen[a.SHA2] = true
			h := textproto.MIMEHeader{}
			h.Set("Content-Type", a.ContentType)
			h.Set("Content-Transfer-Encoding", "binary")
			h.Set("X-Experience-API-Hash", a.SHA2)
			pw, err := mw.CreatePart(h)
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			pw.Write(a.Content)
		}
	}
	mw.Close()
	w.Header().Set("Content-Type", "multipart/mixed; boundary="+mw.Boundary())
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
	return nil
}
