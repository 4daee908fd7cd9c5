package xapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/domain/service"
)

// Version is the xAPI version the resource speaks.
const Version = "2.0.0"

// Service is what the resource writes with; domain/service.Service is one.
// Errors are the service's (see its package).
type Service interface {
	RecordStatementEvidence(ctx context.Context, learnerID string, c domain.RecordStatementEvidence) (domain.RecordedEvent, error)
	RetractStatementEvidence(ctx context.Context, learnerID string, c domain.RetractStatementEvidence) (domain.RecordedEvent, error)
	RecordStatements(ctx context.Context, schoolID, learnerID string, writes []service.StatementWrite) ([]domain.RecordedEvent, error)
	// RecordXAPIDocument and DeleteXAPIDocuments write the document
	// resources' events (documents.go).
	RecordXAPIDocument(ctx context.Context, schoolID, learnerID string, c domain.RecordXAPIDocument) (domain.RecordedEvent, error)
	DeleteXAPIDocuments(ctx context.Context, schoolID, learnerID string, c domain.DeleteXAPIDocuments) (domain.RecordedEvent, error)
}

// Waiter is the projection engine: after a write, the resource waits until
// its Index has applied it, so that a tool reads its own statements.
type Waiter interface {
	WaitFor(ctx context.Context, pos uint64) error
}

// Config holds what a Resource needs. Service, Index and Projection are
// required.
type Config struct {
	Service    Service
	Index      *Index
	Projection Waiter
	// Now is the clock that stamps "stored". Default time.Now.
	Now func() time.Time
	// WaitTimeout bounds how long a write waits for the Index. Default 5 s.
	WaitTimeout time.Duration
	// MaxLimit is the most statements one GET answers. Default 100.
	MaxLimit int
	Logger   *slog.Logger
}

// Resource serves the statement and about resources.
type Resource struct {
	cfg Config
}

// New returns a Resource.
func New(cfg Config) *Resource {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.WaitTimeout <= 0 {
		cfg.WaitTimeout = 5 * time.Second
	}
	if cfg.MaxLimit <= 0 {
		cfg.MaxLimit = 100
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Resource{cfg: cfg}
}

// About answers GET /xapi/about. It needs no credentials and no version
// header.
func (rs *Resource) About(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("X-Experience-API-Version", Version)
	writeJSON(w, http.StatusOK, map[string]any{"version": []string{"1.0.3", Version}, "extensions": map[string]any{}})
	return nil
}

// Statements serves /xapi/statements (GET, PUT, POST) for p, a tool of a
// school. It answers every request itself, errors included; the error it
// returns is one it could not answer (the connection failed).
func (rs *Resource) Statements(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	w.Header().Set("X-Experience-API-Version", Version)
	var err error
	switch {
	case !acceptedVersion(r.Header.Get("X-Experience-API-Version")):
		err = badf("send the header X-Experience-API-Version: %s", Version)
	case p.Role != domain.RoleTool || p.School == "":
		err = fmt.Errorf("only a tool of a school reads or writes statements: %w", access.ErrForbidden)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		err = rs.get(w, r, p)
	case r.Method == http.MethodPut:
		err = rs.put(w, r, p)
	case r.Method == http.MethodPost:
		err = rs.post(w, r, p)
	default:
		err = badf("method %s is not allowed on the statement resource", r.Method)
	}
	if err != nil {
		rs.fail(w, r, err)
	}
	return nil
}

// conflictError is a statement id reused with other content (409).
type conflictError struct{ id string }

func (e *conflictError) Error() string {
	return "statement " + e.id + " is stored already with other content"
}

// notFoundError is a statement that is not there for this tool (404).
type notFoundError struct{ what string }

func (e *notFoundError) Error() string { return e.what + " is not found" }

// fail answers an error: one status per kind, a short JSON body.
func (rs *Resource) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	var (
		conflict *conflictError
		notFound *notFoundError
		reused   *domain.EventIDConflictError
		rule     *domain.RuleError
		tooBig   *http.MaxBytesError
		tooLarge *domain.EventTooLargeError
	)
	switch {
	case errors.Is(err, ErrBadStatement), errors.Is(err, domain.ErrInvalid) && !errors.As(err, &tooLarge):
		status = http.StatusBadRequest
	case errors.As(err, &conflict), errors.As(err, &reused):
		status = http.StatusConflict
	case errors.As(err, &notFound):
		status = http.StatusNotFound
	case errors.Is(err, access.ErrForbidden):
		status = http.StatusForbidden
	case errors.As(err, &tooBig), errors.As(err, &tooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.As(err, &rule):
		status = http.StatusBadRequest
	}
	msg := err.Error()
	if status == http.StatusInternalServerError {
		rs.cfg.Logger.Error("xapi", "method", r.Method, "err", msg)
		msg = "internal error"
	}
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := domain.EncodeJSON(v)
	if err != nil {
		http.Error(w, "encode", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body)
}

// parts is a request's statements and the attachments sent beside them.
type parts struct {
	body   any
	byHash map[string]domain.StatementAttachment
}

// readBody reads an application/json or multipart/mixed request.
func readBody(r *http.Request) (parts, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return parts{}, badf("Content-Type %q: %v", ct, err)
	}
	switch mt {
	case "application/json":
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			return parts{}, fmt.Errorf("read body: %w", err)
		}
		v, err := decodeJSON(raw)
		return parts{body: v}, err
	case "multipart/mixed":
		return readMultipart(r.Body, params["boundary"])
	}
	return parts{}, badf("Content-Type must be application/json or multipart/mixed, not %q", mt)
}

// decodeJSON decodes one JSON value, numbers kept as written.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badf("the body is not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badf("trailing data after the JSON value")
	}
	return v, nil
}

// readMultipart reads a multipart/mixed body: the statements first, as
// application/json, then one part per attachment, each with its
// X-Experience-API-Hash and Content-Transfer-Encoding: binary.
func readMultipart(body io.Reader, boundary string) (parts, error) {
	if boundary == "" {
		return parts{}, badf("multipart/mixed needs a boundary")
	}
	mr := multipart.NewReader(body, boundary)
	first, err := mr.NextRawPart()
	if err != nil {
		return parts{}, badf("multipart body: %v", err)
	}
	if mt, _, _ := mime.ParseMediaType(first.Header.Get("Content-Type")); mt != "application/json" {
		return parts{}, badf("the first part must be application/json")
	}
	raw, err := io.ReadAll(first)
	if err != nil {
		return parts{}, badf("multipart body: %v", err)
	}
	v, err := decodeJSON(raw)
	if err != nil {
		return parts{}, err
	}
	out := parts{body: v, byHash: make(map[string]domain.StatementAttachment)}
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return parts{}, badf("multipart body: %v", err)
		}
		if err := readAttachment(p.Header, p, out.byHash); err != nil {
			return parts{}, err
		}
	}
	return out, nil
}

func readAttachment(h textproto.MIMEHeader, r io.Reader, into map[string]domain.StatementAttachment) error {
	want := strings.ToLower(strings.TrimSpace(h.Get("X-Experience-API-Hash")))
	if want == "" {
		return badf("an attachment part needs X-Experience-API-Hash")
	}
	if enc := h.Get("Content-Transfer-Encoding"); !strings.EqualFold(enc, "binary") {
		return badf("an attachment part needs Content-Transfer-Encoding: binary")
	}
	content, err := io.ReadAll(r)
	if err != nil {
		return badf("attachment part: %v", err)
	}
	var hf hash.Hash
	switch len(want) {
	case 56:
		hf = sha256.New224()
	case 64:
		hf = sha256.New()
	case 96:
		hf = sha512.New384()
	case 128:
		hf = sha512.New()
	default:
		return badf("X-Experience-API-Hash %q is not a SHA-2 hash", want)
	}
	hf.Write(content)
	if got := hex.EncodeToString(hf.Sum(nil)); got != want {
		return badf("the attachment's SHA-2 is %s, not %s as its header says", got, want)
	}
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	into[want] = domain.StatementAttachment{SHA2: want, ContentType: ct, Content: content}
	return nil
}

// pending is a checked statement ready to store.
type pending struct {
	checked
	attachments []domain.StatementAttachment
}

// prepare checks statements and matches their attachments with the parts
// sent: each declared attachment without a fileUrl must be sent, and
// every part must be declared.
func prepare(list []any, byHash map[string]domain.StatementAttachment) ([]pending, error) {
	out := make([]pending, 0, len(list))
	used := map[string]bool{}
	ids := map[string]bool{}
	for i, v := range list {
		c, err := checkStatement(v)
		if err != nil {
			if len(list) > 1 {
				return nil, fmt.Errorf("statement %d: %w", i, err)
			}
			return nil, err
		}
		if c.id != "" {
			if ids[strings.ToLower(c.id)] {
				return nil, badf("statement id %s is sent twice in the batch", c.id)
			}
			ids[strings.ToLower(c.id)] = true
		}
		p := pending{checked: c}
		for _, d := range c.decls {
			if d.usageType == usageSignature {
				a, sent := byHash[d.sha2]
				if err := checkSignature(c.stmt, d, a.Content, sent); err != nil {
					if len(list) > 1 {
						return nil, fmt.Errorf("statement %d: %w", i, err)
					}
					return nil, err
				}
			}
			if d.fileURL && byHash[d.sha2].SHA2 == "" {
				continue
			}
			a, ok := byHash[d.sha2]
			if !ok {
				return nil, badf("attachment %s is declared without a fileUrl and not sent", d.sha2)
			}
			used[d.sha2] = true
			p.attachments = append(p.attachments, a)
		}
		out = append(out, p)
	}
	for h := range byHash {
		if !used[h] {
			return nil, badf("the part with hash %s is not declared by any statement", h)
		}
	}
	return out, nil
}

func (rs *Resource) put(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	q := r.URL.Query()
	for k := range q {
		if k != "statementId" {
			return badf("PUT takes statementId only, not %s", k)
		}
	}
	id := q.Get("statementId")
	if !validUUID(id) {
		return badf("PUT needs a statementId that is a UUID")
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if _, ok := body.body.(obj); !ok {
		return badf("PUT takes one statement")
	}
	list, err := prepare([]any{body.body}, body.byHash)
	if err != nil {
		return err
	}
	if list[0].id != "" && !strings.EqualFold(list[0].id, id) {
		return badf("the statement's id %s is not the statementId %s", list[0].id, id)
	}
	list[0].id = strings.ToLower(id)
	if _, err := rs.store(r.Context(), p, list); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (rs *Resource) post(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	if len(r.URL.Query()) > 0 {
		return badf("POST takes no parameters")
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	var list []any
	switch v := body.body.(type) {
	case obj:
		list = []any{v}
	case []any:
		list = v
	default:
		return badf("POST takes a statement or an array of statements")
	}
	if len(list) == 0 {
		return badf("POST takes at least one statement")
	}
	stmts, err := prepare(list, body.byHash)
	if err != nil {
		return err
	}
	ids, err := rs.store(r.Context(), p, stmts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ids)
	return nil
}

// store records checked statements for p, in order, with their evidence.
// Statements stored already with the same content are left as they are;
// with other content, the whole batch is refused before anything is
// written (409) if the Index knows them. Consecutive statements for one
// stream are appended together, each with its evidence, in one append.
func (rs *Resource) store(ctx context.Context, p access.Principal, list []pending) ([]string, error) {
	now := rs.cfg.Now().UTC()
	stored := now.Format("2006-01-02T15:04:05.000Z07:00")
	inBatch := map[string]bool{}
	for i := range list {
		s := &list[i]
		if s.id == "" {
			s.id = newStatementID(now)
		}
		s.id = strings.ToLower(s.id)
		inBatch[s.id] = true
		if old, ok := rs.cfg.Index.lookup(s.id); ok {
			if stmt, err := old.statement(); err != nil || old.school != p.School || !sameStatement(stmt, s.stmt) {
				return nil, &conflictError{id: s.id}
			}
		}
		if s.voids != "" {
			s.voids = strings.ToLower(s.voids)
			if t, ok := rs.cfg.Index.lookup(s.voids); ok && t.school == p.School && t.voids() != "" {
				return nil, badf("statement %s voids %s, which is itself a voiding statement", s.id, s.voids)
			}
		}
	}
	ids := make([]string, 0, len(list))
	var (
		last    uint64
		group   []service.StatementWrite
		learner string
	)
	flush := func() error {
		if len(group) == 0 {
			return nil
		}
		pos, err := rs.appendGroup(ctx, p.School, learner, group)
		group = nil
		if err != nil {
			return err
		}
		last = max(last, pos)
		return nil
	}
	for _, s := range list {
		ids = append(ids, s.id)
		if _, ok := rs.cfg.Index.lookup(s.id); ok {
			continue // the same statement, stored before: nothing to do
		}
		w, err := rs.prepareWrite(p, s, stored)
		if err != nil {
			return nil, err
		}
		if s.voids != "" {
			if err := flush(); err != nil {
				return nil, err
			}
			if inBatch[s.voids] && last > 0 {
				// It voids a statement of this batch: the Index must know it.
				rs.wait(ctx, last)
			}
			pos, err := rs.storeVoiding(ctx, p, s, w.Statement)
			if err != nil {
				return nil, err
			}
			last = max(last, pos)
			continue
		}
		a, _ := s.stmt["actor"].(obj)
		l := rs.cfg.Index.learnerOf(p.School, a)
		if l != learner {
			if err := flush(); err != nil {
				return nil, err
			}
			learner = l
		}
		if learner != "" {
			w.Evidence = rs.evidenceFor(p.School, s.id, s.stmt, w.Statement.Actor, w.Statement.OccurredAt)
		}
		group = append(group, w)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if last > 0 {
		rs.wait(ctx, last)
	}
	return ids, nil
}

// appendGroup appends statements for one stream, each with its evidence,
// and returns the last position written.
func (rs *Resource) appendGroup(ctx context.Context, school, learner string, group []service.StatementWrite) (uint64, error) {
	recs, err := rs.cfg.Service.RecordStatements(ctx, school, learner, group)
	if learner != "" && learnerGone(err) {
		// The link names a learner who is not enrolled at this school,
		// or withdrawn: the statements are still accepted, in the
		// school's stream, and give no evidence.
		for i := range group {
			group[i].Evidence = nil
		}
		recs, err = rs.cfg.Service.RecordStatements(ctx, school, "", group)
	}
	var reused *domain.EventIDConflictError
	if errors.As(err, &reused) {
		// Another request stored one of these ids meanwhile.
		return 0, &conflictError{id: reused.EventID}
	}
	if err != nil {
		return 0, fmt.Errorf("store statements: %w", err)
	}
	return recs[len(recs)-1].Position, nil
}

// wait waits for the Index to apply pos, for read-your-writes; a slow
// Index delays nothing beyond the timeout.
func (rs *Resource) wait(ctx context.Context, pos uint64) {
	ctx, cancel := context.WithTimeout(ctx, rs.cfg.WaitTimeout)
	defer cancel()
	if err := rs.cfg.Projection.WaitFor(ctx, pos); err != nil {
		rs.cfg.Logger.Warn("xapi index lags behind a write", "position", pos, "err", err.Error())
	}
}

// learnerGone reports whether err refuses a statement because its learner
// is not enrolled at the school or is withdrawn.
func learnerGone(err error) bool {
	var rule *domain.RuleError
	return errors.Is(err, domain.ErrNotFound) || (errors.As(err, &rule) && rule.Rule == domain.RuleLearnerWithdrawn)
}

// prepareWrite completes a statement as stored (id, stored, timestamp,
// version, authority) and makes its command.
func (rs *Resource) prepareWrite(p access.Principal, s pending, stored string) (service.StatementWrite, error) {
	stmt := s.stmt
	normalize(stmt)
	stmt["id"] = s.id
	stmt["stored"] = stored
	if _, ok := stmt["timestamp"]; !ok {
		stmt["timestamp"] = stored
	}
	if _, ok := stmt["version"]; !ok {
		stmt["version"] = Version
	}
	// The authority is the credential, whatever the tool claimed.
	stmt["authority"] = obj{"objectType": "Agent", "name": p.Name,
		"account": obj{"homePage": "urn:masteryledger:tool", "name": p.School + "/" + p.Name}}
	raw, err := domain.EncodeJSON(stmt)
	if err != nil {
		return service.StatementWrite{}, fmt.Errorf("encode statement %s: %w", s.id, err)
	}
	meta := domain.Meta{Actor: domain.Actor{Role: p.Role, Name: p.Name}}
	if ts, err := parseTimestamp(stmt["timestamp"].(string)); err == nil && !ts.After(rs.cfg.Now()) {
		meta.OccurredAt = ts
	}
	if meta.EventID, err = parseEventID(s.id); err != nil {
		return service.StatementWrite{}, err
	}
	return service.StatementWrite{Statement: domain.RecordStatement{Meta: meta, StatementID: s.id, SchoolID: p.School, Statement: raw,
		Voids: s.voids, Attachments: s.attachments}}, nil
}

// storeVoiding stores a voiding statement in the stream of the statement
// it voids (if the school holds it) and returns the last position
// written. The retractions of the evidence its target gave go in the same
// append where that evidence is in the same stream (the target stored in
// its learner's stream), so that no crash leaves a voided statement's
// evidence current; evidence in another stream (a statement linked late
// keeps its place in the school's stream, its evidence went to the
// learner's) is retracted by a second append after it, and a crash in
// between is repaired by Repair or the next Realign.
func (rs *Resource) storeVoiding(ctx context.Context, p access.Principal, s pending, cmd domain.RecordStatement) (uint64, error) {
	learner := ""
	t, known := rs.cfg.Index.lookup(s.voids)
	if known && t.school == p.School {
		learner = t.learner
	} else {
		known = false
		if a, ok := s.stmt["actor"].(obj); ok {
			learner = rs.cfg.Index.learnerOf(p.School, a)
		}
	}
	w := service.StatementWrite{Statement: cmd}
	var same, later []derived
	if known {
		for _, d := range rs.cfg.Index.derivedOf(t.id) {
			switch {
			case d.retracted:
			case d.learnerID == learner:
				same = append(same, d)
				w.Retractions = append(w.Retractions, retraction(t.id, cmd.StatementID, d, cmd.Actor, cmd.OccurredAt))
			default:
				later = append(later, d)
			}
		}
	}
	recs, err := rs.cfg.Service.RecordStatements(ctx, p.School, learner, []service.StatementWrite{w})
	if learner != "" && learnerGone(err) {
		// The learner is withdrawn: the voiding statement goes to the
		// school's stream, the retractions after it, as the domain
		// allows them.
		w.Retractions = nil
		later = append(later, same...)
		recs, err = rs.cfg.Service.RecordStatements(ctx, p.School, "", []service.StatementWrite{w})
	}
	var reused *domain.EventIDConflictError
	if errors.As(err, &reused) {
		return 0, &conflictError{id: s.id}
	}
	if err != nil {
		return 0, fmt.Errorf("store statement %s: %w", s.id, err)
	}
	for _, d := range later {
		c := retraction(t.id, cmd.StatementID, d, recs[0].Actor, recs[0].OccurredAt)
		if _, err := rs.cfg.Service.RetractStatementEvidence(ctx, d.learnerID, c); err != nil {
			rs.logRefusal("retract evidence", t.id, err)
		}
	}
	return recs[len(recs)-1].Position, nil
}
