package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
)

// maxWriteFormBytes bounds a form of the workspace: a standard's
// components, a goal's seven parts and notes all fit well within it.
const maxWriteFormBytes = 256 << 10

// form is one form of the workspace: GET shows it with a fresh event id,
// POST records its command through the command service the API calls,
// under the rule of adapters/access the matching API route names.
type form struct {
	path string
	rule access.Rule
	// api is the API route that records the same command: refusals of
	// the rule name it, as the API's do.
	api      string
	template string
	// fields are the form's controls, by the name of the command's field
	// they fill, and the words their labels say: a field error is shown
	// beside its control and, in the summary above the form, under its
	// label. An error on a field that is no control here is shown in the
	// summary only.
	fields []field
	// ruleFields ties a refusal's rule code to the control it concerns,
	// beyond defaultRuleFields.
	ruleFields map[string]string
	// conflictField is the control an ErrConflict concerns: the id of a
	// standard, school or learner that exists already.
	conflictField string
	// load reads what the form shows (the standard's components, the
	// learner's goals) and the values it starts with. An error wrapping
	// domain.ErrNotFound is the 404 page.
	load func(r *http.Request, p access.Principal) (data any, defaults url.Values, err error)
	// submit reads the posted fields into the command and records it with
	// meta (the form's event id, the principal as actor); next is the page
	// to show after, where the new state is.
	submit func(r *http.Request, p access.Principal, meta domain.Meta) (rec domain.RecordedEvent, next string, err error)
}

// field is one control of a form.
type field struct{ name, label string }

// defaultRuleFields ties the domain's rule codes to the control whose
// value the rule refuses, when a form has it.
var defaultRuleFields = map[string]string{
	domain.RuleUnknownStandard:       "standardId",
	domain.RuleUnknownComponent:      "componentId",
	domain.RuleLevelOffScale:         "level",
	domain.RuleSelfEvidenceOnly:      "source",
	domain.RuleLearnerNotConfirmed:   "learnerConfirmed",
	domain.RuleMissingComponents:     "components",
	domain.RuleUnknownEvidence:       "evidenceIds",
	domain.RuleEvidenceRetracted:     "evidenceIds",
	domain.RuleEvidenceOtherStandard: "evidenceIds",
	domain.RuleUnknownGoal:           "goalId",
	domain.RuleDuplicateGoal:         "goalId",
	domain.RuleDuplicatePlan:         "planId",
}

// formPage is what a form's template sees as .Page.
type formPage struct {
	// Action is where the form posts: the page's own path.
	Action string
	// EventID is the id the command will be recorded under. Made fresh at
	// each GET and kept when the form is shown again after a refusal
	// (nothing was written under it), so that a double submit or a
	// reloaded POST records one event.
	EventID string
	// Data is what the form's load read.
	Data any
	// Errors are the refusal's, in order; those with no Control are
	// shown above the form only.
	Errors []formError
	values url.Values
}

// formError is one thing wrong with a posted form, in words.
type formError struct {
	Field, Control, Label, Message, Rule string
}

// Value is the value of a control as posted, or as the form starts.
func (f formPage) Value(name string) string { return f.values.Get(name) }

// Has reports whether a checkbox, radio or option of name has value v.
func (f formPage) Has(name, v string) bool {
	for _, got := range f.values[name] {
		if got == v {
			return true
		}
	}
	return false
}

// ErrorOf is what is wrong with a control, or "".
func (f formPage) ErrorOf(control string) string {
	var out []string
	for _, e := range f.Errors {
		if e.Control == control {
			out = append(out, e.words())
		}
	}
	return strings.Join(out, " ")
}

func (e formError) words() string {
	m := e.Message
	if e.Field != "" {
		m = e.Field + ": " + m
	}
	if e.Rule != "" {
		m += " (rule " + e.Rule + ")"
	}
	if !strings.HasSuffix(m, ".") {
		m += "."
	}
	return m
}

// Words is the error as the summary above the form says it.
func (e formError) Words() string {
	if e.Label == "" {
		return e.words()
	}
	return e.Label + ": " + e.words()
}

// ControlID is the id of a control's element: a field name as an HTML id
// that a CSS selector or a fragment can name without escaping.
func ControlID(name string) string {
	return "f-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(name)
}

// control is one control as the partials of templates/common draw it.
type control struct {
	Form  formPage
	Name  string
	Label string
	Hint  string
}

func (c control) ID() string    { return ControlID(c.Name) }
func (c control) Value() string { return c.Form.Value(c.Name) }
func (c control) Error() string { return c.Form.ErrorOf(c.Name) }

// DescribedBy names the hint and the error of the control, for
// aria-describedby.
func (c control) DescribedBy() string {
	var ids []string
	if c.Hint != "" {
		ids = append(ids, c.ID()+"-hint")
	}
	if c.Error() != "" {
		ids = append(ids, c.ID()+"-error")
	}
	return strings.Join(ids, " ")
}

// control returns the control of name in this form, for the templates'
// partials: {{template "text" (.Page.Control "note" "Note" "")}}.
func (f formPage) Control(name, label, hint string) control {
	return control{Form: f, Name: name, Label: label, Hint: hint}
}

// controlOf is the control of the form an error on field concerns: the
// field itself, or the list or object it is part of ("components[1].id"
// is the components' control, "artifact.sha256" its own if the form has
// one).
func (f form) controlOf(name string) (control, label string) {
	for _, cand := range []string{name, strings.SplitN(name, "[", 2)[0], strings.SplitN(name, ".", 2)[0]} {
		for _, fl := range f.fields {
			if fl.name == cand {
				return fl.name, fl.label
			}
		}
	}
	return "", ""
}

// partWords says which part of a control a field error names, for a
// control that holds a list ("components[1].id" of the components' textarea
// is "line 2, id"); "" for the control itself.
func partWords(field, control string) string {
	rest := strings.TrimPrefix(field, control)
	if control == "" || rest == "" {
		return ""
	}
	var words []string
	for _, part := range strings.FieldsFunc(rest, func(r rune) bool { return r == '.' || r == ']' }) {
		name, index, ok := strings.Cut(part, "[")
		if name != "" {
			words = append(words, name)
		}
		if n, err := strconv.Atoi(index); ok && err == nil {
			words = append(words, "line "+strconv.Itoa(n+1))
		}
	}
	return strings.Join(words, ", ")
}

// refusal turns a command's error into what the form shows: the status
// and the errors, each tied to its control. ok is false for an error that
// is no fault of the form's values (an unknown subject, a store down),
// which the error page answers.
func (f form) refusal(err error) (status int, errs []formError, ok bool) {
	var (
		invalid *domain.ValidationError
		rule    *domain.RuleError
		reused  *domain.EventIDConflictError
	)
	switch {
	case errors.As(err, &invalid):
		for _, fe := range invalid.Errors {
			c, l := f.controlOf(fe.Field)
			e := formError{Field: partWords(fe.Field, c), Control: c, Label: l, Message: fe.Message}
			if c == "" {
				e.Field, e.Message = "", fe.Field+" "+fe.Message
			}
			errs = append(errs, e)
		}
		return http.StatusBadRequest, errs, true
	case errors.As(err, &rule):
		name := f.ruleFields[rule.Rule]
		if name == "" {
			name = defaultRuleFields[rule.Rule]
		}
		c, l := f.controlOf(name)
		return http.StatusUnprocessableEntity, []formError{{Control: c, Label: l, Message: rule.Message, Rule: rule.Rule}}, true
	case errors.As(err, &reused):
		return http.StatusConflict, []formError{{Message: "this form was sent before with other values, and its first sending was recorded; open the form again to record something new"}}, true
	case errors.Is(err, domain.ErrConflict) && f.conflictField != "":
		c, l := f.controlOf(f.conflictField)
		return http.StatusConflict, []formError{{Control: c, Label: l, Message: "is taken already: the ledger holds one with this id"}}, true
	}
	return 0, nil, false
}

// formHandler serves one form: GET and HEAD show it, POST records it. A
// POST is checked in this order: a session, the session's CSRF token (the
// cross-origin check ran in wrap), the form's rule, then the command.
func (s *Server) formHandler(f form) handler {
	return func(w http.ResponseWriter, r *http.Request, sess *signedIn) error {
		if sess == nil {
			return errSignedOut
		}
		post := r.Method == http.MethodPost
		if post {
			r.Body = http.MaxBytesReader(w, r.Body, maxWriteFormBytes)
			if err := r.ParseForm(); err != nil {
				return fmt.Errorf("%w: %s: %w", errBadForm, f.path, err)
			}
			if !sessionCSRF(sess, r) {
				return errBadCSRF
			}
		}
		if err := access.Authorize(sess.principal, f.rule, f.api, mux.Vars(r), s.cfg.View); err != nil {
			return err
		}
		data, defaults, err := f.load(r, sess.principal)
		if err != nil {
			return err
		}
		page := formPage{Action: r.URL.EscapedPath(), Data: data, values: defaults}
		if !post {
			page.EventID = uuid.NewString()
			s.render(w, r, http.StatusOK, f.template, sess, page)
			return nil
		}
		id, err := uuid.Parse(r.PostForm.Get("eventId"))
		if err != nil || id == uuid.Nil {
			return fmt.Errorf("%w: %s: the form's eventId is not a UUID", errBadForm, f.path)
		}
		page.EventID, page.values = id.String(), r.PostForm
		rec, next, err := f.submit(r, sess.principal, domain.Meta{EventID: id, Actor: sess.principal.Actor()})
		if err != nil {
			status, errs, ok := f.refusal(err)
			if !ok {
				return err
			}
			loggerFrom(r.Context()).Info("form refused", "status", status, "err", err.Error())
			page.Errors = errs
			s.render(w, r, status, f.template, sess, page)
			return nil
		}
		s.waitApplied(r.Context(), rec.Position)
		// POST-redirect-GET: a reload shows the page again, never sends
		// the form twice.
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
}

// waitApplied waits until the read model has applied position pos, up to
// WriteTimeout, so that the page a write leads to shows it, as the API
// answers a write only once it can be read. The write is durable either
// way: a slow read model delays the page, never loses the write.
func (s *Server) waitApplied(ctx context.Context, pos uint64) {
	if s.cfg.Projection == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.WriteTimeout)
	defer cancel()
	if err := s.cfg.Projection.WaitFor(ctx, pos); err != nil {
		loggerFrom(ctx).Warn("read model lags behind a write", "position", pos, "err", err.Error())
	}
}

// may reports whether p may send the form at path with the path's
// variables vars: the pages offer a form only to whom may send it.
func (s *Server) may(p access.Principal, rule access.Rule, vars map[string]string) bool {
	return access.Authorize(p, rule, "", vars, s.cfg.View) == nil
}

// parsed collects what the posted values could not be read as, before the
// command sees them.
type parsed struct {
	errs []domain.FieldError
}

func (ps *parsed) add(field, format string, args ...any) {
	ps.errs = append(ps.errs, domain.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err is the fields that could not be read, as the command's own
// validation reports its fields.
func (ps *parsed) err() error {
	if len(ps.errs) == 0 {
		return nil
	}
	return &domain.ValidationError{Errors: ps.errs}
}

// text is a posted value without the blanks around it.
func text(r *http.Request, name string) string { return strings.TrimSpace(r.PostForm.Get(name)) }

// level reads a rubric level; empty is nil, which the command refuses as
// missing.
func (ps *parsed) level(r *http.Request, name string) *int {
	v := text(r, name)
	if v == "" {
		return nil
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || fmt.Sprint(n) != v {
		ps.add(name, "must be a level of the scale")
		return nil
	}
	return &n
}

// uuids reads the checked evidence of a list.
func (ps *parsed) uuids(r *http.Request, name string) []uuid.UUID {
	out := []uuid.UUID{}
	for _, v := range r.PostForm[name] {
		id, err := uuid.Parse(v)
		if err != nil {
			ps.add(name, "lists %q, which is not an evidence id", v)
			continue
		}
		out = append(out, id)
	}
	return out
}

// artifact reads the artifact's three fields; all empty is no artifact.
func artifact(r *http.Request) *domain.Artifact {
	a := domain.Artifact{URI: text(r, "artifact.uri"), SHA256: strings.ToLower(text(r, "artifact.sha256")), MediaType: text(r, "artifact.mediaType")}
	if a == (domain.Artifact{}) {
		return nil
	}
	return &a
}

// lines reads a textarea of one entry a line, blank lines skipped.
func lines(r *http.Request, name string) []string {
	out := []string{}
	for _, l := range strings.Split(r.PostForm.Get(name), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// pairs reads a textarea of "key | words" lines: a standard's components
// ("c1 | Describe a ratio") or its scale ("3 | Proficient").
func (ps *parsed) pairs(r *http.Request, name string) [][2]string {
	var out [][2]string
	for i, l := range lines(r, name) {
		k, v, ok := strings.Cut(l, "|")
		if !ok {
			ps.add(name, "line %d needs an id, a bar | and its words", i+1)
			continue
		}
		out = append(out, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return out
}
