package xapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ErrBadStatement is wrapped by every refusal of a statement or a request
// that breaks the specification: the answer is 400 and nothing is written.
var ErrBadStatement = errors.New("bad xAPI request")

// badf returns an error wrapping ErrBadStatement.
func badf(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrBadStatement)
}

// obj is a JSON object as decoded with UseNumber.
type obj = map[string]any

// Verb ids the resource gives a meaning to.
const verbVoided = "http://adlnet.gov/expapi/verbs/voided"

var (
	// An IRI has a scheme and something after it (RFC 3987); the
	// specification asks no more of an LRS than that it be absolute.
	iriPattern  = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$`)
	langPattern = regexp.MustCompile(`^(?:[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*|[xX](?:-[A-Za-z0-9]{1,8})+)$`)
	sha1Pattern = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)
	sha2Pattern = regexp.MustCompile(`^(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$`)
	// ISO 8601 durations as xAPI uses them.
	durationPattern = regexp.MustCompile(`^P(?:\d+(?:\.\d+)?W|(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?D)?(?:T(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?)$`)
	// Timestamps: ISO 8601 with a time zone, as RFC 3339 spells it.
	timestampPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$`)
)

// checker walks one statement, collecting the first error.
type checker struct {
	err error
}

func (c *checker) fail(path, format string, args ...any) {
	if c.err == nil {
		c.err = badf("%s: %s", path, fmt.Sprintf(format, args...))
	}
}

// keys refuses a member not in allowed, and any null value.
func (c *checker) keys(path string, o obj, allowed ...string) {
	for k, v := range o {
		if v == nil {
			c.fail(path+"."+k, "is null")
			continue
		}
		ok := false
		for _, a := range allowed {
			if k == a {
				ok = true
				break
			}
		}
		if !ok {
			c.fail(path+"."+k, "is not a property of this object")
		}
	}
}

func (c *checker) object(path string, v any) obj {
	o, ok := v.(obj)
	if !ok {
		c.fail(path, "must be a JSON object")
		return nil
	}
	return o
}

func (c *checker) str(path string, v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		c.fail(path, "must be a string")
	}
	return s, ok
}

func (c *checker) iri(path string, v any) string {
	s, ok := c.str(path, v)
	if ok && !iriPattern.MatchString(s) {
		c.fail(path, "must be an absolute IRI")
	}
	return s
}

func (c *checker) uuid(path string, v any) string {
	s, ok := c.str(path, v)
	if ok && !validUUID(s) {
		c.fail(path, "must be a UUID")
	}
	return s
}

// validUUID accepts the canonical 8-4-4-4-12 hex form only.
func validUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

func (c *checker) boolean(path string, v any) {
	if _, ok := v.(bool); !ok {
		c.fail(path, "must be true or false")
	}
}

func (c *checker) number(path string, v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		c.fail(path, "must be a number")
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) {
		c.fail(path, "must be a number")
		return 0, false
	}
	return f, true
}

func (c *checker) langMap(path string, v any) {
	o := c.object(path, v)
	for k, val := range o {
		if !langPattern.MatchString(k) {
			c.fail(path+"."+k, "is not an RFC 5646 language tag")
		}
		if _, ok := val.(string); !ok {
			c.fail(path+"."+k, "must be a string")
		}
	}
}

func (c *checker) extensions(path string, v any) {
	o := c.object(path, v)
	for k := range o {
		if !iriPattern.MatchString(k) {
			c.fail(path+"."+k, "an extension's key must be an IRI")
		}
	}
}

func (c *checker) timestamp(path string, v any) {
	s, ok := c.str(path, v)
	if !ok {
		return
	}
	if _, err := parseTimestamp(s); err != nil {
		c.fail(path, "%v", err)
	}
}

// parseTimestamp reads an ISO 8601 timestamp with a time zone. The offset
// -00:00 is refused, as the specification asks (RFC 3339's "unknown
// local offset").
func parseTimestamp(s string) (time.Time, error) {
	if !timestampPattern.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 timestamp with a time zone", s)
	}
	if strings.HasSuffix(s, "-00:00") || strings.HasSuffix(s, "-0000") {
		return time.Time{}, fmt.Errorf("%q: the offset -00:00 is not allowed", s)
	}
	norm := s
	if n := len(norm); norm[n-1] != 'Z' && norm[n-3] != ':' {
		norm = norm[:n-2] + ":" + norm[n-2:]
	}
	t, err := time.Parse(time.RFC3339Nano, norm)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a valid timestamp", s)
	}
	return t, nil
}

// agent checks an Agent (objectType optional or "Agent"), or a Group when
// objectType says so.
func (c *checker) actor(path string, v any) {
	o := c.object(path, v)
	if o == nil {
		return
	}
	if t, ok := o["objectType"]; ok && t == "Group" {
		c.group(path, o)
		return
	}
	c.agent(path, o)
}

func (c *checker) agent(path string, o obj) {
	c.keys(path, o, "objectType", "name", "mbox", "mbox_sha1sum", "openid", "account")
	if t, ok := o["objectType"]; ok && t != "Agent" {
		c.fail(path+".objectType", "must be Agent")
	}
	if n, ok := o["name"]; ok {
		c.str(path+".name", n)
	}
	if c.ifis(path, o) != 1 {
		c.fail(path, "an Agent needs exactly one inverse functional identifier (mbox, mbox_sha1sum, openid or account)")
	}
}

func (c *checker) group(path string, o obj) {
	c.keys(path, o, "objectType", "name", "member", "mbox", "mbox_sha1sum", "openid", "account")
	if n, ok := o["name"]; ok {
		c.str(path+".name", n)
	}
	n := c.ifis(path, o)
	if n > 1 {
		c.fail(path, "a Group has at most one inverse functional identifier")
	}
	m, hasMembers := o["member"]
	if hasMembers {
		list, ok := m.([]any)
		if !ok {
			c.fail(path+".member", "must be an array of Agents")
			return
		}
		for i, a := range list {
			ao := c.object(fmt.Sprintf("%s.member[%d]", path, i), a)
			if ao != nil {
				if t, ok := ao["objectType"]; ok && t == "Group" {
					c.fail(fmt.Sprintf("%s.member[%d]", path, i), "a Group's member is an Agent, not a Group")
					continue
				}
				c.agent(fmt.Sprintf("%s.member[%d]", path, i), ao)
			}
		}
	}
	if n == 0 && !hasMembers {
		c.fail(path, "an anonymous Group needs a member list")
	}
}

// ifis checks the inverse functional identifiers present and counts them.
func (c *checker) ifis(path string, o obj) int {
	n := 0
	if v, ok := o["mbox"]; ok {
		n++
		if s, ok := c.str(path+".mbox", v); ok {
			addr, found := strings.CutPrefix(s, "mailto:")
			if _, err := mail.ParseAddress(addr); !found || err != nil {
				c.fail(path+".mbox", "must be a mailto: IRI of an e-mail address")
			}
		}
	}
	if v, ok := o["mbox_sha1sum"]; ok {
		n++
		if s, ok := c.str(path+".mbox_sha1sum", v); ok && !sha1Pattern.MatchString(s) {
			c.fail(path+".mbox_sha1sum", "must be 40 hex digits")
		}
	}
	if v, ok := o["openid"]; ok {
		n++
		c.iri(path+".openid", v)
	}
	if v, ok := o["account"]; ok {
		n++
		a := c.object(path+".account", v)
		if a != nil {
			c.keys(path+".account", a, "homePage", "name")
			hp, ok1 := a["homePage"]
			nm, ok2 := a["name"]
			if !ok1 || !ok2 {
				c.fail(path+".account", "needs homePage and name")
			} else {
				c.iri(path+".account.homePage", hp)
				c.str(path+".account.name", nm)
			}
		}
	}
	return n
}

func (c *checker) verb(path string, v any) string {
	o := c.object(path, v)
	if o == nil {
		return ""
	}
	c.keys(path, o, "id", "display")
	id, ok := o["id"]
	if !ok {
		c.fail(path+".id", "is required")
		return ""
	}
	s := c.iri(path+".id", id)
	if d, ok := o["display"]; ok {
		c.langMap(path+".display", d)
	}
	return s
}

var interactionTypes = map[string]bool{"true-false": true, "choice": true, "fill-in": true, "long-fill-in": true, "matching": true,
	"performance": true, "sequencing": true, "likert": true, "numeric": true, "other": true}

func (c *checker) activity(path string, o obj) {
	c.keys(path, o, "objectType", "id", "definition")
	id, ok := o["id"]
	if !ok {
		c.fail(path+".id", "is required")
	} else {
		c.iri(path+".id", id)
	}
	d, ok := o["definition"]
	if !ok {
		return
	}
	def := c.object(path+".definition", d)
	if def == nil {
		return
	}
	p := path + ".definition"
	c.keys(p, def, "name", "description", "type", "moreInfo", "extensions", "interactionType", "correctResponsesPattern",
		"choices", "scale", "source", "target", "steps")
	for _, k := range []string{"name", "description"} {
		if v, ok := def[k]; ok {
			c.langMap(p+"."+k, v)
		}
	}
	for _, k := range []string{"type", "moreInfo"} {
		if v, ok := def[k]; ok {
			c.iri(p+"."+k, v)
		}
	}
	if v, ok := def["extensions"]; ok {
		c.extensions(p+".extensions", v)
	}
	it, hasType := def["interactionType"]
	if hasType {
		if s, ok := c.str(p+".interactionType", it); ok && !interactionTypes[s] {
			c.fail(p+".interactionType", "%q is not an interaction type", s)
		}
	}
	if _, ok := def["correctResponsesPattern"]; ok && !hasType {
		c.fail(p+".correctResponsesPattern", "needs an interactionType")
	}
	if v, ok := def["correctResponsesPattern"]; ok {
		list, ok := v.([]any)
		if !ok {
			c.fail(p+".correctResponsesPattern", "must be an array of strings")
		}
		for i, s := range list {
			c.str(fmt.Sprintf("%s.correctResponsesPattern[%d]", p, i), s)
		}
	}
	for _, k := range []string{"choices", "scale", "source", "target", "steps"} {
		v, ok := def[k]
		if !ok {
			continue
		}
		if !hasType {
			c.fail(p+"."+k, "needs an interactionType")
		}
		list, ok := v.([]any)
		if !ok {
			c.fail(p+"."+k, "must be an array of interaction components")
			continue
		}
		seen := map[string]bool{}
		for i, comp := range list {
			cp := fmt.Sprintf("%s.%s[%d]", p, k, i)
			co := c.object(cp, comp)
			if co == nil {
				continue
			}
			c.keys(cp, co, "id", "description")
			if id, ok := co["id"]; !ok {
				c.fail(cp+".id", "is required")
			} else if s, ok := c.str(cp+".id", id); ok {
				if seen[s] {
					c.fail(cp+".id", "repeats %q", s)
				}
				seen[s] = true
			}
			if d, ok := co["description"]; ok {
				c.langMap(cp+".description", d)
			}
		}
	}
}

// object checks a statement's object; sub says whether it is a
// SubStatement's, which may not be a SubStatement.
func (c *checker) stmtObject(path string, v any, sub bool) obj {
	o := c.object(path, v)
	if o == nil {
		return nil
	}
	t, _ := o["objectType"].(string)
	if raw, ok := o["objectType"]; ok && t == "" {
		c.str(path+".objectType", raw)
	}
	switch t {
	case "", "Activity":
		c.activity(path, o)
	case "Agent":
		c.agent(path, o)
	case "Group":
		c.group(path, o)
	case "StatementRef":
		c.keys(path, o, "objectType", "id")
		if id, ok := o["id"]; ok {
			c.uuid(path+".id", id)
		} else {
			c.fail(path+".id", "is required")
		}
	case "SubStatement":
		if sub {
			c.fail(path, "a SubStatement may not hold another SubStatement")
			return o
		}
		c.keys(path, o, "objectType", "actor", "verb", "object", "result", "context", "timestamp", "attachments")
		c.body(path, o, true)
	default:
		c.fail(path+".objectType", "%q is not an object type", t)
	}
	return o
}

func (c *checker) result(path string, v any) {
	o := c.object(path, v)
	if o == nil {
		return
	}
	c.keys(path, o, "score", "success", "completion", "response", "duration", "extensions")
	if s, ok := o["score"]; ok {
		c.score(path+".score", s)
	}
	for _, k := range []string{"success", "completion"} {
		if b, ok := o[k]; ok {
			c.boolean(path+"."+k, b)
		}
	}
	if r, ok := o["response"]; ok {
		c.str(path+".response", r)
	}
	if d, ok := o["duration"]; ok {
		if s, ok := c.str(path+".duration", d); ok && (!durationPattern.MatchString(s) || s == "P" || strings.HasSuffix(s, "T")) {
			c.fail(path+".duration", "%q is not an ISO 8601 duration", s)
		}
	}
	if e, ok := o["extensions"]; ok {
		c.extensions(path+".extensions", e)
	}
}

func (c *checker) score(path string, v any) {
	o := c.object(path, v)
	if o == nil {
		return
	}
	c.keys(path, o, "scaled", "raw", "min", "max")
	vals := map[string]float64{}
	for _, k := range []string{"scaled", "raw", "min", "max"} {
		if n, ok := o[k]; ok {
			if f, ok := c.number(path+"."+k, n); ok {
				vals[k] = f
			}
		}
	}
	if s, ok := vals["scaled"]; ok && (s < -1 || s > 1) {
		c.fail(path+".scaled", "must lie in [-1, 1]")
	}
	mn, hasMin := vals["min"]
	mx, hasMax := vals["max"]
	if hasMin && hasMax && mn >= mx {
		c.fail(path+".min", "must be less than max")
	}
	if r, ok := vals["raw"]; ok {
		if (hasMin && r < mn) || (hasMax && r > mx) {
			c.fail(path+".raw", "must lie between min and max")
		}
	}
}

func (c *checker) context(path string, v any, activityObject bool) {
	o := c.object(path, v)
	if o == nil {
		return
	}
	c.keys(path, o, "registration", "instructor", "team", "contextActivities", "revision", "platform", "language",
		"statement", "extensions", "contextAgents", "contextGroups")
	if r, ok := o["registration"]; ok {
		c.uuid(path+".registration", r)
	}
	if i, ok := o["instructor"]; ok {
		c.actor(path+".instructor", i)
	}
	if t, ok := o["team"]; ok {
		if to := c.object(path+".team", t); to != nil {
			if to["objectType"] != "Group" {
				c.fail(path+".team", "must be a Group")
			} else {
				c.group(path+".team", to)
			}
		}
	}
	if ca, ok := o["contextActivities"]; ok {
		cao := c.object(path+".contextActivities", ca)
		c.keys(path+".contextActivities", cao, "parent", "grouping", "category", "other")
		for k, val := range cao {
			kp := path + ".contextActivities." + k
			list, isList := val.([]any)
			if !isList {
				list = []any{val}
			}
			for i, a := range list {
				ap := fmt.Sprintf("%s[%d]", kp, i)
				if ao := c.object(ap, a); ao != nil {
					if t, ok := ao["objectType"]; ok && t != "Activity" {
						c.fail(ap+".objectType", "must be Activity")
					}
					c.activity(ap, ao)
				}
			}
		}
	}
	for _, k := range []string{"revision", "platform"} {
		if val, ok := o[k]; ok {
			c.str(path+"."+k, val)
			if !activityObject {
				c.fail(path+"."+k, "is allowed only when the object is an Activity")
			}
		}
	}
	if l, ok := o["language"]; ok {
		if s, ok := c.str(path+".language", l); ok && !langPattern.MatchString(s) {
			c.fail(path+".language", "%q is not an RFC 5646 language tag", s)
		}
	}
	if s, ok := o["statement"]; ok {
		so := c.object(path+".statement", s)
		if so != nil {
			c.keys(path+".statement", so, "objectType", "id")
			if so["objectType"] != "StatementRef" {
				c.fail(path+".statement.objectType", "must be StatementRef")
			}
			if id, ok := so["id"]; ok {
				c.uuid(path+".statement.id", id)
			} else {
				c.fail(path+".statement.id", "is required")
			}
		}
	}
	if e, ok := o["extensions"]; ok {
		c.extensions(path+".extensions", e)
	}
	if ca, ok := o["contextAgents"]; ok {
		c.contextAgents(path+".contextAgents", ca, false)
	}
	if cg, ok := o["contextGroups"]; ok {
		c.contextAgents(path+".contextGroups", cg, true)
	}
}

// contextAgents checks xAPI 2.0's contextAgents or contextGroups.
func (c *checker) contextAgents(path string, v any, groups bool) {
	list, ok := v.([]any)
	if !ok {
		c.fail(path, "must be an array")
		return
	}
	want := "contextAgent"
	if groups {
		want = "contextGroup"
	}
	for i, e := range list {
		ep := fmt.Sprintf("%s[%d]", path, i)
		o := c.object(ep, e)
		if o == nil {
			continue
		}
		who := "agent"
		if groups {
			who = "group"
		}
		c.keys(ep, o, "objectType", who, "relevantTypes")
		if o["objectType"] != want {
			c.fail(ep+".objectType", "must be %s", want)
		}
		a, ok := o[who]
		if !ok {
			c.fail(ep+"."+who, "is required")
		} else if groups {
			if g := c.object(ep+".group", a); g != nil {
				c.group(ep+".group", g)
			}
		} else if ao := c.object(ep+".agent", a); ao != nil {
			c.agent(ep+".agent", ao)
		}
		if rt, ok := o["relevantTypes"]; ok {
			types, ok := rt.([]any)
			if !ok || len(types) == 0 {
				c.fail(ep+".relevantTypes", "must be a non-empty array of IRIs")
			}
			for j, t := range types {
				c.iri(fmt.Sprintf("%s.relevantTypes[%d]", ep, j), t)
			}
		}
	}
}

// attachments checks the attachments property and returns the sha2 of
// each that must arrive as a part of the request (no fileUrl).
func (c *checker) attachments(path string, v any) (declared []attachmentDecl) {
	list, ok := v.([]any)
	if !ok {
		c.fail(path, "must be an array")
		return nil
	}
	for i, a := range list {
		ap := fmt.Sprintf("%s[%d]", path, i)
		o := c.object(ap, a)
		if o == nil {
			continue
		}
		c.keys(ap, o, "usageType", "display", "description", "contentType", "length", "sha2", "fileUrl")
		for _, k := range []string{"usageType", "display", "contentType", "length", "sha2"} {
			if _, ok := o[k]; !ok {
				c.fail(ap+"."+k, "is required")
			}
		}
		var usage string
		if u, ok := o["usageType"]; ok {
			usage = c.iri(ap+".usageType", u)
		}
		if d, ok := o["display"]; ok {
			c.langMap(ap+".display", d)
		}
		if d, ok := o["description"]; ok {
			c.langMap(ap+".description", d)
		}
		var ct string
		if v, ok := o["contentType"]; ok {
			ct, _ = c.str(ap+".contentType", v)
			if ct != "" && !strings.Contains(ct, "/") {
				c.fail(ap+".contentType", "must be an Internet media type")
			}
		}
		if l, ok := o["length"]; ok {
			if f, ok := c.number(ap+".length", l); ok && (f < 0 || f != math.Trunc(f)) {
				c.fail(ap+".length", "must be a non-negative integer")
			}
		}
		var sha string
		if s, ok := o["sha2"]; ok {
			sha, _ = c.str(ap+".sha2", s)
			if sha != "" && !sha2Pattern.MatchString(sha) {
				c.fail(ap+".sha2", "must be a SHA-2 hash in hex")
			}
		}
		_, hasURL := o["fileUrl"]
		if hasURL {
			c.iri(ap+".fileUrl", o["fileUrl"])
		}
		declared = append(declared, attachmentDecl{sha2: strings.ToLower(sha), contentType: ct, usageType: usage, fileURL: hasURL})
	}
	return declared
}

type attachmentDecl struct {
	sha2, contentType, usageType string
	fileURL                      bool
}

// body checks what a statement and a SubStatement share.
func (c *checker) body(path string, o obj, sub bool) (verbID string, decls []attachmentDecl) {
	for _, k := range []string{"actor", "verb", "object"} {
		if _, ok := o[k]; !ok {
			c.fail(path+"."+k, "is required")
		}
	}
	if a, ok := o["actor"]; ok {
		c.actor(path+".actor", a)
	}
	if v, ok := o["verb"]; ok {
		verbID = c.verb(path+".verb", v)
	}
	var activityObject bool
	if ob, ok := o["object"]; ok {
		so := c.stmtObject(path+".object", ob, sub)
		if so != nil {
			t, _ := so["objectType"].(string)
			activityObject = t == "" || t == "Activity"
		}
	}
	if r, ok := o["result"]; ok {
		c.result(path+".result", r)
	}
	if ctx, ok := o["context"]; ok {
		c.context(path+".context", ctx, activityObject)
	}
	if t, ok := o["timestamp"]; ok {
		c.timestamp(path+".timestamp", t)
	}
	if a, ok := o["attachments"]; ok {
		decls = c.attachments(path+".attachments", a)
	}
	return verbID, decls
}

// checked is a statement that passed the checks, with what the resource
// needs of it.
type checked struct {
	stmt  obj
	id    string // "" if the client sent none
	voids string // the target of a voiding statement
	decls []attachmentDecl
}

// checkStatement checks one statement as a client sent it.
func checkStatement(v any) (checked, error) {
	var c checker
	o := c.object("statement", v)
	if o == nil {
		return checked{}, c.err
	}
	c.keys("statement", o, "id", "actor", "verb", "object", "result", "context", "timestamp", "stored", "authority", "version", "attachments")
	var out checked
	out.stmt = o
	if id, ok := o["id"]; ok {
		out.id = c.uuid("statement.id", id)
	}
	verbID, decls := c.body("statement", o, false)
	out.decls = decls
	if s, ok := o["stored"]; ok {
		c.timestamp("statement.stored", s)
	}
	if a, ok := o["authority"]; ok {
		c.authority(a)
	}
	if ver, ok := o["version"]; ok {
		if s, ok := c.str("statement.version", ver); ok && !acceptedVersion(s) {
			c.fail("statement.version", "%q is not a version of xAPI 1.0 or 2.0", s)
		}
	}
	if verbID == verbVoided && c.err == nil {
		ob, _ := o["object"].(obj)
		if ob["objectType"] != "StatementRef" {
			c.fail("statement.object", "a voiding statement's object must be a StatementRef")
		} else {
			out.voids, _ = ob["id"].(string)
		}
	}
	if c.err == nil {
		normalize(o)
	}
	return out, c.err
}

// authority checks a statement's authority: an Agent, or an anonymous
// Group of exactly two Agents (OAuth's application and user). The ledger
// replaces it by the credential's, but a malformed one is still refused.
func (c *checker) authority(v any) {
	c.actor("statement.authority", v)
	o, _ := v.(obj)
	if o == nil || o["objectType"] != "Group" {
		return
	}
	if _, identified := identityKeys(o); identified {
		c.fail("statement.authority", "a Group authority must be anonymous")
	}
	if m, _ := o["member"].([]any); len(m) != 2 {
		c.fail("statement.authority.member", "a Group authority has exactly two members")
	}
}

// normalize writes each context's contextActivities as arrays, as the
// specification asks an LRS to return them, in the statement and a
// SubStatement.
func normalize(s obj) {
	if ctx, ok := s["context"].(obj); ok {
		if ca, ok := ctx["contextActivities"].(obj); ok {
			for k, v := range ca {
				if _, isList := v.([]any); !isList {
					ca[k] = []any{v}
				}
			}
		}
	}
	if o, ok := s["object"].(obj); ok && o["objectType"] == "SubStatement" {
		normalize(o)
	}
}

// versionPattern is a version the resource accepts: 1.0.x or 2.0.x.
var versionPattern = regexp.MustCompile(`^(?:1\.0(?:\.\d+)?|2\.0(?:\.\d+)?)$`)

func acceptedVersion(s string) bool { return versionPattern.MatchString(s) }
