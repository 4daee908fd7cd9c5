package xapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
)

// The document resources (Communication 2.2, 2.3 State, 2.6 Activity
// Profile, 2.7 Agent Profile). Every write is an event
// (domain.XAPIDocumentPut, with the whole content after the write) and a
// DELETE a tombstone (domain.XAPIDocumentDeleted): the Index folds them
// into the current documents. A document about an agent linked to an
// enrolled learner goes to the learner's stream, as statements do; every
// other to the school's.

// preconditionError is an If-Match or If-None-Match the document does not
// meet (412).
type preconditionError struct{ msg string }

func (e *preconditionError) Error() string { return e.msg }

// documentConflictError is a PUT over an existing document without
// If-Match or If-None-Match (409).
type documentConflictError struct{ id string }

func (e *documentConflictError) Error() string {
	return "document " + e.id + " exists: send If-Match with its ETag to replace it, or If-None-Match: * to create only"
}

// State serves /xapi/activities/state for p, a tool of a school.
func (rs *Resource) State(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	return rs.documents(w, r, p, domain.XAPIDocumentState)
}

// ActivityProfile serves /xapi/activities/profile for p.
func (rs *Resource) ActivityProfile(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	return rs.documents(w, r, p, domain.XAPIDocumentActivityProfile)
}

// AgentProfile serves /xapi/agents/profile for p.
func (rs *Resource) AgentProfile(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	return rs.documents(w, r, p, domain.XAPIDocumentAgentProfile)
}

// docRequest is a document request's parameters, checked.
type docRequest struct {
	set   docSet
	agent obj // the agent parameter, if the resource takes one
	id    string
	since time.Time
}

// documents answers every request itself, errors included, like
// Statements.
func (rs *Resource) documents(w http.ResponseWriter, r *http.Request, p access.Principal, kind string) error {
	w.Header().Set("X-Experience-API-Version", Version)
	var (
		err error
		req docRequest
	)
	switch {
	case !acceptedVersion(r.Header.Get("X-Experience-API-Version")):
		err = badf("send the header X-Experience-API-Version: %s", Version)
	case p.Role != domain.RoleTool || p.School == "":
		err = fmt.Errorf("only a tool of a school reads or writes documents: %w", access.ErrForbidden)
	default:
		req, err = parseDocRequest(r, p.School, kind)
	}
	if err == nil {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			err = rs.getDocument(w, req)
		case http.MethodPut, http.MethodPost:
			err = rs.writeDocument(w, r, p, req)
		case http.MethodDelete:
			err = rs.deleteDocument(w, r, p, req)
		default:
			err = badf("method %s is not allowed on a document resource", r.Method)
		}
	}
	if err != nil {
		var (
			pre      *preconditionError
			conflict *documentConflictError
		)
		switch {
		case errors.As(err, &pre):
			writeJSON(w, http.StatusPreconditionFailed, map[string]string{"error": err.Error()})
		case errors.As(err, &conflict):
			writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		default:
			rs.fail(w, r, err)
		}
	}
	return nil
}

// parseDocRequest checks the parameters the resource and method take.
func parseDocRequest(r *http.Request, school, kind string) (docRequest, error) {
	q := r.URL.Query()
	idParam := "profileId"
	allowed := map[string]bool{"profileId": true, "since": true}
	switch kind {
	case domain.XAPIDocumentState:
		idParam = "stateId"
		allowed = map[string]bool{"activityId": true, "agent": true, "registration": true, "stateId": true, "since": true}
	case domain.XAPIDocumentActivityProfile:
		allowed["activityId"] = true
	case domain.XAPIDocumentAgentProfile:
		allowed["agent"] = true
	}
	for k, v := range q {
		if !allowed[k] {
			return docRequest{}, badf("this document resource does not take %s", k)
		}
		if len(v) != 1 {
			return docRequest{}, badf("%s is sent %d times", k, len(v))
		}
	}
	req := docRequest{set: docSet{school: school, kind: kind}, id: q.Get(idParam)}
	if allowed["activityId"] {
		a, ok := q["activityId"]
		if !ok {
			return docRequest{}, badf("activityId is required")
		}
		var c checker
		req.set.activity = c.iri("activityId", a[0])
		if c.err != nil {
			return docRequest{}, c.err
		}
	}
	if allowed["agent"] {
		a, ok := q["agent"]
		if !ok {
			return docRequest{}, badf("agent is required")
		}
		agent, err := parseAgentParam(a[0])
		if err != nil {
			return docRequest{}, err
		}
		req.agent, req.set.agent = agent, agentDocKey(agent)
		if req.set.agent == "" {
			return docRequest{}, badf("agent must have an identifier")
		}
	}
	if reg, ok := q["registration"]; ok {
		if !validUUID(reg[0]) {
			return docRequest{}, badf("registration must be a UUID")
		}
		req.set.registration = strings.ToLower(reg[0])
	}
	if s, ok := q["since"]; ok {
		if r.Method != http.MethodGet && r.Method != http.MethodHead || req.id != "" {
			return docRequest{}, badf("since is a parameter of a GET of the ids, without %s", idParam)
		}
		t, err := parseTimestamp(s[0])
		if err != nil {
			return docRequest{}, badf("since: %v", err)
		}
		req.since = t
	}
	if _, ok := q[idParam]; ok && req.id == "" {
		return docRequest{}, badf("%s is empty", idParam)
	}
	needID := r.Method == http.MethodPut || r.Method == http.MethodPost || (r.Method == http.MethodDelete && kind != domain.XAPIDocumentState)
	if needID && req.id == "" {
		return docRequest{}, badf("%s is required", idParam)
	}
	return req, nil
}

// agentDocKey is an agent's identifier as documents are keyed by it:
// "mbox:<IRI>", "mbox_sha1sum:<hex>", "openid:<URI>" or
// "account:<homePage> <name>" (domain.XAPIAgent.Key's spelling).
func agentDocKey(o obj) string {
	for _, k := range []string{"mbox", "mbox_sha1sum", "openid"} {
		if s, ok := o[k].(string); ok {
			return k + ":" + s
		}
	}
	if a, ok := o["account"].(obj); ok {
		hp, _ := a["homePage"].(string)
		n, _ := a["name"].(string)
		return "account:" + hp + " " + n
	}
	return ""
}

func (rs *Resource) getDocument(w http.ResponseWriter, req docRequest) error {
	if req.id == "" {
		ids := rs.cfg.Index.documentIDs(req.set, req.since)
		writeJSON(w, http.StatusOK, ids)
		return nil
	}
	doc := rs.cfg.Index.document(req.set, req.id)
	if doc == nil {
		return &notFoundError{what: "document " + req.id}
	}
	h := w.Header()
	h.Set("Content-Type", doc.contentType)
	h.Set("ETag", doc.etag)
	h.Set("Last-Modified", doc.updated.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	w.Write(doc.content)
	return nil
}

// checkPreconditions applies If-Match and If-None-Match to the current
// document (nil if none).
func checkPreconditions(r *http.Request, doc *document) error {
	if im := r.Header.Get("If-Match"); im != "" {
		if doc == nil || !etagListMatches(im, doc.etag) {
			return &preconditionError{msg: "If-Match does not match the document's ETag"}
		}
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && doc != nil && etagListMatches(inm, doc.etag) {
		return &preconditionError{msg: "If-None-Match: the document exists"}
	}
	return nil
}

// etagListMatches reports whether a header's list of ETags (or *) names
// etag, weak or strong.
func etagListMatches(list, etag string) bool {
	for t := range strings.SplitSeq(list, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func (rs *Resource) writeDocument(w http.ResponseWriter, r *http.Request, p access.Principal, req docRequest) error {
	content, err := io.ReadAll(r.Body)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	isJSON := mediaType(ct) == "application/json"
	var sent obj
	if r.Method == http.MethodPost && isJSON {
		v, err := decodeJSON(content)
		if err != nil {
			return err
		}
		o, ok := v.(obj)
		if !ok {
			return badf("a POST of application/json must send a JSON object, to merge")
		}
		sent = o
	}
	unlock := rs.cfg.Index.documentsWrite()
	defer unlock()
	doc := rs.cfg.Index.document(req.set, req.id)
	if err := checkPreconditions(r, doc); err != nil {
		return err
	}
	if r.Method == http.MethodPut && doc != nil && r.Header.Get("If-Match") == "" && r.Header.Get("If-None-Match") == "" {
		return &documentConflictError{id: req.id}
	}
	if r.Method == http.MethodPost && doc != nil {
		// A merge (Communication 2.2): both documents JSON objects, the
		// new one's top-level properties over the old one's.
		if !isJSON || mediaType(doc.contentType) != "application/json" {
			return badf("a POST merges JSON objects: the document stored and the one sent must both be application/json")
		}
		v, err := decodeJSON(doc.content)
		old, ok := v.(obj)
		if err != nil || !ok {
			return badf("the stored document is not a JSON object, it cannot be merged")
		}
		maps.Copy(old, sent)
		if content, err = domain.EncodeJSON(old); err != nil {
			return fmt.Errorf("encode merged document: %w", err)
		}
		ct = doc.contentType
	}
	c := domain.RecordXAPIDocument{Meta: rs.docMeta(p), XAPIDocumentKeys: rs.keys(req), ContentType: ct, Content: content}
	rec, err := rs.appendDocument(r.Context(), p.School, req, func(ctx context.Context, learner string) (domain.RecordedEvent, error) {
		return rs.cfg.Service.RecordXAPIDocument(ctx, p.School, learner, c)
	})
	if err != nil {
		return err
	}
	rs.wait(r.Context(), rec.Position)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (rs *Resource) deleteDocument(w http.ResponseWriter, r *http.Request, p access.Principal, req docRequest) error {
	unlock := rs.cfg.Index.documentsWrite()
	defer unlock()
	var doc *document
	if req.id != "" {
		doc = rs.cfg.Index.document(req.set, req.id)
		if err := checkPreconditions(r, doc); err != nil {
			return err
		}
	}
	if doc == nil && (req.id != "" || len(rs.cfg.Index.documentIDs(req.set, time.Time{})) == 0) {
		// Nothing to delete: nothing is written.
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	c := domain.DeleteXAPIDocuments{Meta: rs.docMeta(p), XAPIDocumentKeys: rs.keys(req)}
	rec, err := rs.appendDocument(r.Context(), p.School, req, func(ctx context.Context, learner string) (domain.RecordedEvent, error) {
		return rs.cfg.Service.DeleteXAPIDocuments(ctx, p.School, learner, c)
	})
	if err != nil {
		return err
	}
	rs.wait(r.Context(), rec.Position)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (rs *Resource) docMeta(p access.Principal) domain.Meta {
	return domain.Meta{Actor: domain.Actor{Role: p.Role, Name: p.Name}}
}

func (rs *Resource) keys(req docRequest) domain.XAPIDocumentKeys {
	return domain.XAPIDocumentKeys{SchoolID: req.set.school, Kind: req.set.kind, ActivityID: req.set.activity, Agent: req.set.agent,
		Registration: req.set.registration, DocumentID: req.id}
}

// appendDocument appends a document event to the stream of the learner
// its agent is linked to, or the school's: a learner not enrolled or
// withdrawn takes no event, and the school's stream takes it instead.
func (rs *Resource) appendDocument(ctx context.Context, school string, req docRequest,
	write func(ctx context.Context, learner string) (domain.RecordedEvent, error)) (domain.RecordedEvent, error) {
	learner := ""
	if req.agent != nil {
		learner = rs.cfg.Index.learnerOf(school, req.agent)
	}
	rec, err := write(ctx, learner)
	if learner != "" && learnerGone(err) {
		rec, err = write(ctx, "")
	}
	if err != nil {
		return domain.RecordedEvent{}, fmt.Errorf("store document: %w", err)
	}
	return rec, nil
}

func mediaType(ct string) string {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct))
	}
	return mt
}
