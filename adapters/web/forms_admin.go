package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
	"github.com/masteryledger/ledger/projections"
)

// Paths of the admin's forms, reached from the admin page (adminPath).
const (
	adminPath      = "/admin"
	publishPath    = "/standards"
	revisionPath   = "/standards/{standardId}/revision"
	retirementPath = "/standards/{standardId}/retirement"
	registerPath   = "/schools"
	enrolPath      = "/schools/{schoolId}/learners"
)

// adminPage is what templates/pages/admin.html shows: the standards and
// schools, each with the forms that change it.
type adminPage struct {
	Standards []projections.Standard
	Schools   []projections.SchoolRecord
	// Forms is false on a server without a command service, which offers
	// no form.
	Forms bool
}

// adminPage reads /admin.
func (s *Server) adminPage(_ *http.Request, _ access.Principal) (any, error) {
	return adminPage{Standards: s.cfg.View.Standards(), Schools: s.cfg.View.Schools(), Forms: s.cfg.Service != nil}, nil
}

// adminForm is what the admin's forms show: the standard or school of the
// path, if any.
type adminForm struct {
	Standard *projections.Standard
	School   *projections.SchoolRecord
}

// loadAdminForm reads the standard or school the path names (an unknown one
// is the 404 page) and, for a revision, starts the form from the standard's
// current statement and components.
func (s *Server) loadAdminForm(r *http.Request, _ access.Principal) (any, url.Values, error) {
	vars := mux.Vars(r)
	var out adminForm
	defaults := url.Values{}
	if id, ok := vars["standardId"]; ok {
		std, err := s.cfg.View.Standard(id)
		if err != nil {
			return nil, nil, err
		}
		out.Standard = &std
		defaults.Set("statement", std.Statement)
		defaults.Set("components", componentLines(std.Components))
	}
	if id, ok := vars["schoolId"]; ok {
		sc, err := s.cfg.View.School(id)
		if err != nil {
			return nil, nil, err
		}
		out.School = &projections.SchoolRecord{ID: sc.ID, Name: sc.Name}
	}
	if _, ok := vars["standardId"]; !ok {
		defaults.Set("scale", scaleLines(domain.DefaultScale()))
		defaults.Set("proficient", strconv.Itoa(domain.DefaultScale().Proficient))
	}
	return out, defaults, nil
}

// componentLines writes components as the form's textarea takes them, one
// "id | statement" a line.
func componentLines(cs []domain.Component) string {
	var b []byte
	for _, c := range cs {
		b = append(b, c.ID+" | "+c.Statement+"\n"...)
	}
	return string(b)
}

// scaleLines writes a scale's levels one "level | label" a line.
func scaleLines(sc domain.Scale) string {
	var b []byte
	for _, l := range sc.Levels {
		b = append(b, strconv.Itoa(l.Level)+" | "+l.Label+"\n"...)
	}
	return string(b)
}

// components reads the components' textarea.
func (ps *parsed) components(r *http.Request) []domain.Component {
	out := []domain.Component{}
	for _, p := range ps.pairs(r, "components") {
		out = append(out, domain.Component{ID: p[0], Statement: p[1]})
	}
	return out
}

// scale reads the scale's textarea and the proficient level; an empty
// scale is the default one.
func (ps *parsed) scale(r *http.Request) *domain.Scale {
	pairs := ps.pairs(r, "scale")
	if len(pairs) == 0 {
		return nil
	}
	sc := &domain.Scale{}
	for _, p := range pairs {
		n, err := strconv.Atoi(p[0])
		if err != nil {
			ps.add("scale", "level %q is not a whole number", p[0])
			continue
		}
		sc.Levels = append(sc.Levels, domain.Level{Level: n, Label: p[1]})
	}
	if lv := ps.level(r, "proficient"); lv != nil {
		sc.Proficient = *lv
	}
	return sc
}

func (s *Server) submitPublish(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	var ps parsed
	c := domain.PublishStandard{Meta: meta, StandardID: text(r, "standardId"), Framework: text(r, "framework"), Code: text(r, "code"),
		Title: text(r, "title"), Statement: text(r, "statement"), Components: ps.components(r), Scale: ps.scale(r)}
	if err := ps.err(); err != nil {
		return domain.RecordedEvent{}, "", err
	}
	rec, err := s.cfg.Service.PublishStandard(r.Context(), c)
	return rec, adminPath + "#standard-" + c.StandardID, err
}

func (s *Server) submitRevision(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	var ps parsed
	id := mux.Vars(r)["standardId"]
	c := domain.ReviseStandard{Meta: meta, Statement: text(r, "statement"), Components: ps.components(r), Reason: text(r, "reason")}
	if err := ps.err(); err != nil {
		return domain.RecordedEvent{}, "", err
	}
	rec, err := s.cfg.Service.ReviseStandard(r.Context(), id, c, nil)
	return rec, adminPath + "#standard-" + id, err
}

func (s *Server) submitRetirement(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	id := mux.Vars(r)["standardId"]
	c := domain.RetireStandard{Meta: meta, Reason: text(r, "reason")}
	rec, err := s.cfg.Service.RetireStandard(r.Context(), id, c, nil)
	return rec, adminPath + "#standard-" + id, err
}

func (s *Server) submitRegister(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	c := domain.RegisterSchool{Meta: meta, SchoolID: text(r, "schoolId"), Name: text(r, "name")}
	rec, err := s.cfg.Service.RegisterSchool(r.Context(), c)
	return rec, adminPath + "#school-" + c.SchoolID, err
}

func (s *Server) submitEnrol(r *http.Request, _ access.Principal, meta domain.Meta) (domain.RecordedEvent, string, error) {
	c := domain.EnrollLearner{Meta: meta, LearnerID: text(r, "learnerId"), Cohort: text(r, "cohort")}
	rec, err := s.cfg.Service.EnrollLearner(r.Context(), mux.Vars(r)["schoolId"], c)
	return rec, "/learners/" + url.PathEscape(c.LearnerID), err
}
