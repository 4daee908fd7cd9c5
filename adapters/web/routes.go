package web

import (
	"net/http"

	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/access"
)

// page is one page: a path, the rule of adapters/access it is read under
// (the same constant the API route it shows names), the template in
// templates/pages that shows it, and the handler that reads what it shows.
type page struct {
	path     string
	rule     access.Rule
	template string
	// link, if set, lists the page on the signed-in home page under these
	// words, for every id the principal may open (see homeLinks).
	link string
	// load reads what the template shows as .Page, once the rule has
	// admitted the principal; it gets the principal for a page that shows
	// more or less by role. An error wrapping domain.ErrNotFound is the
	// 404 page.
	load func(r *http.Request, p access.Principal) (any, error)
	// public pages need no session and no rule: they show nothing of the
	// ledger's records (/verify).
	public bool
}

// shown is what a load returns to answer its page with another status than
// 200: a form re-shown with what is wrong in it (400), rather than the error
// page, so that the user can correct it in place.
type shown struct {
	status int
	data   any
}

// pages is every page but the home page and the sign-in, in one place.
// Adding a page: a template in templates/pages, a handler, and a line here.
func (s *Server) pages() []page {
	return []page{
		{path: "/learners/{learnerId}", rule: access.LearnerRecord, template: "learner", link: "Mastery record", load: s.learnerPage},
		{path: "/learners/{learnerId}/transcript", rule: access.LearnerRecord, template: "transcript", link: "Transcript", load: s.transcriptPage},
		{path: "/learners/{learnerId}/standards/{standardId}/policies", rule: access.LearnerResearch, template: "policies", load: s.policiesPage},
		{path: "/schools/{schoolId}", rule: access.SchoolRoster, template: "school", link: "Learners by cohort", load: s.schoolPage},
		{path: "/schools/{schoolId}/efficacy", rule: access.SchoolFigures, template: "efficacy", link: "Collective efficacy", load: s.efficacyPage},
		{path: reviewsPath, rule: access.SchoolFigures, template: "reviews", link: "Practice reviews", load: s.reviewsPage},
		{path: trailPath, rule: access.LearnerRecord, template: "trail", load: s.trailPage},
		{path: "/verify", public: true, template: "verify", load: s.verifyPage},
		{path: adminPath, rule: access.AdminOnly, template: "admin", link: "Standards, schools and enrolment", load: s.adminPage},
	}
}

// page is the handler of a page of the table: a session is required, the
// access rule is checked as the API checks it, then the page is read and
// rendered.
func (s *Server) page(p page) handler {
	return func(w http.ResponseWriter, r *http.Request, sess *signedIn) error {
		if p.public {
			var who access.Principal
			if sess != nil {
				who = sess.principal
			}
			data, err := p.load(r, who)
			if err != nil {
				return err
			}
			s.render(w, r, http.StatusOK, p.template, sess, data)
			return nil
		}
		if sess == nil {
			return errSignedOut
		}
		if err := access.Authorize(sess.principal, p.rule, "GET "+p.path, mux.Vars(r), s.cfg.View); err != nil {
			return err
		}
		data, err := p.load(r, sess.principal)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if sh, ok := data.(shown); ok {
			status, data = sh.status, sh.data
		}
		s.render(w, r, status, p.template, sess, data)
		return nil
	}
}
