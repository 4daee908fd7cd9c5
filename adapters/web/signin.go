package web

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
)

// maxFormBytes bounds a form's body: the forms here hold a token and a
// CSRF token.
const maxFormBytes = 16 << 10

// homePage is what templates/pages/home.html shows: the sign-in form, or
// the pages the principal may open.
type homePage struct {
	// Failed is the sign-in's refusal, shown above the form.
	Failed string
	Links  []homeLink
}

type homeLink struct {
	Label, Href, About string
}

// home is GET /: the sign-in form, or the links of a signed-in principal.
func (s *Server) home(w http.ResponseWriter, r *http.Request, sess *signedIn) error {
	if sess == nil {
		s.render(w, r, http.StatusOK, "home", nil, homePage{})
		return nil
	}
	s.render(w, r, http.StatusOK, "home", sess, homePage{Links: s.homeLinks(sess.principal)})
	return nil
}

// homeLinks lists each page of the table the principal may open, for
// each id it can be opened for: a learner's own record, a teacher's
// school, every school for the roles that read any. A page whose path
// needs more than one id (a standard's trail) is reached from another
// page, not listed.
func (s *Server) homeLinks(p access.Principal) []homeLink {
	var out []homeLink
	for _, pg := range s.pages() {
		if pg.link == "" || !pg.rule.Allows(p.Role) {
			continue
		}
		switch strings.Count(pg.path, "{") {
		case 0:
			out = append(out, homeLink{Label: pg.link, Href: pg.path})
			continue
		case 1:
		default:
			continue
		}
		var ids [][2]string // id, words
		var variable string
		switch {
		case strings.Contains(pg.path, "{learnerId}"):
			variable = "{learnerId}"
			if p.Role == domain.RoleLearner {
				ids = append(ids, [2]string{p.Learner, "your own"})
			}
		case strings.Contains(pg.path, "{schoolId}"):
			variable = "{schoolId}"
			if p.Role == domain.RoleTeacher {
				if sc, err := s.cfg.View.School(p.School); err == nil {
					ids = append(ids, [2]string{sc.ID, sc.Name})
				}
			} else {
				for _, sc := range s.cfg.View.Schools() {
					ids = append(ids, [2]string{sc.ID, sc.Name})
				}
			}
		}
		for _, id := range ids {
			// Checked as the page will check it, so the home page never
			// offers a link that answers 403.
			vars := map[string]string{strings.Trim(variable, "{}"): id[0]}
			if access.Authorize(p, pg.rule, "GET "+pg.path, vars, s.cfg.View) != nil {
				continue
			}
			out = append(out, homeLink{Label: pg.link, About: id[1], Href: strings.Replace(pg.path, variable, url.PathEscape(id[0]), 1)})
		}
	}
	return out
}

// signIn is POST /session: a token from the form starts a session. The
// cookie holds a fresh random session id, never the token; a session the
// browser had is ended first, so an id planted before sign-in is useless.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, sess *signedIn) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("%w: sign-in form: %w", errBadForm, err)
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if token == "" {
		s.render(w, r, http.StatusUnauthorized, "home", nil, homePage{Failed: "Enter a token to sign in."})
		return nil
	}
	digest := sha256.Sum256([]byte(token))
	p, err := s.cfg.Tokens.AuthenticateDigest(digest)
	if err != nil {
		loggerFrom(r.Context()).Info("sign-in refused", "err", err.Error())
		s.render(w, r, http.StatusUnauthorized, "home", nil, homePage{Failed: "That token is not known, or it has expired or been revoked. Check it and try again."})
		return nil
	}
	if sess != nil {
		s.sessions.end(sess.id)
	}
	id := s.sessions.start(digest)
	s.setCookie(w, id)
	loggerFrom(r.Context()).Info("signed in", "role", p.Role)
	// POST-redirect-GET: reloading the home page does not sign in again.
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// signOut is POST /session/end: the session ends on the server, so the
// cookie no longer opens anything even if a copy of it is kept.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, sess *signedIn) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return fmt.Errorf("%w: sign-out form: %w", errBadForm, err)
	}
	if sess == nil {
		s.clearCookie(w)
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	if !sessionCSRF(sess, r) {
		return errBadCSRF
	}
	s.sessions.end(sess.id)
	s.clearCookie(w)
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// sessionCSRF reports whether a posted form carries its session's CSRF
// token. Every form that changes something checks it.
func sessionCSRF(sess *signedIn, r *http.Request) bool {
	return sess != nil && (session{csrf: sess.csrf}).validCSRF(r.PostForm.Get("csrf"))
}
