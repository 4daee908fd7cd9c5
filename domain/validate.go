package domain

import (
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// validator collects every field error of a command, so that one answer
// names all of them.
type validator struct {
	errs []FieldError
}

func (v *validator) add(field, format string, args ...any) {
	v.errs = append(v.errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// err is nil when no field is at fault, so that callers can return it
// directly without a typed-nil interface.
func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	return &ValidationError{Errors: v.errs}
}

func (v *validator) id(field, s string) {
	switch {
	case s == "":
		v.add(field, "is required")
	case !ValidID(s):
		v.add(field, "must be 1 to %d characters of A-Z, a-z, 0-9, '.', '_' and '-' (not \".\" or \"..\")", MaxIDLen)
	}
}

func (v *validator) optionalID(field, s string) {
	if s != "" {
		v.id(field, s)
	}
}

// ids checks a list of ids: each valid, none repeated, at most MaxListLen.
func (v *validator) ids(field string, list []string) {
	if len(list) > MaxListLen {
		v.add(field, "must have at most %d entries", MaxListLen)
		return
	}
	seen := make(map[string]bool, len(list))
	for i, s := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		v.id(f, s)
		if seen[s] {
			v.add(f, "repeats %q", s)
		}
		seen[s] = true
	}
}

func (v *validator) uuids(field string, list []uuid.UUID) {
	if len(list) > MaxListLen {
		v.add(field, "must have at most %d entries", MaxListLen)
		return
	}
	seen := make(map[uuid.UUID]bool, len(list))
	for i, id := range list {
		f := fmt.Sprintf("%s[%d]", field, i)
		if id == uuid.Nil {
			v.add(f, "must not be the nil UUID")
		}
		if seen[id] {
			v.add(f, "repeats %s", id)
		}
		seen[id] = true
	}
}

// text checks a required text: present (not only white space), valid UTF-8,
// at most max characters.
func (v *validator) text(field, s string, max int) {
	if strings.TrimSpace(s) == "" {
		v.add(field, "is required")
		return
	}
	v.optionalText(field, s, max)
}

func (v *validator) optionalText(field, s string, max int) {
	switch {
	case !utf8.ValidString(s):
		v.add(field, "must be valid UTF-8")
	case utf8.RuneCountInString(s) > max:
		v.add(field, "must be at most %d characters", max)
	}
}

// texts checks a list of short required texts.
func (v *validator) texts(field string, list []string, max int) {
	if len(list) > MaxListLen {
		v.add(field, "must have at most %d entries", MaxListLen)
		return
	}
	for i, s := range list {
		v.text(fmt.Sprintf("%s[%d]", field, i), s, max)
	}
}

func (v *validator) meta(m Meta, now time.Time) {
	switch {
	case m.Actor.Role == "":
		v.add("actor.role", "is required")
	case !ValidRole(m.Actor.Role):
		v.add("actor.role", "must be one of admin, teacher, learner, auditor, researcher, tool")
	}
	v.text("actor.name", m.Actor.Name, MaxNameLen)
	if !m.OccurredAt.IsZero() && m.OccurredAt.After(now.Add(MaxClockSkew)) {
		v.add("occurredAt", "lies in the future: %s is later than the ledger's clock %s by more than %s",
			FormatTime(m.OccurredAt), FormatTime(now), MaxClockSkew)
	}
}

func (v *validator) artifact(field string, a *Artifact) {
	if a == nil {
		return
	}
	switch u, err := url.Parse(a.URI); {
	case a.URI == "":
		v.add(field+".uri", "is required")
	case len(a.URI) > MaxURILen:
		v.add(field+".uri", "must be at most %d bytes", MaxURILen)
	case err != nil || !u.IsAbs() || (u.Host == "" && u.Opaque == "" && u.Path == ""):
		v.add(field+".uri", "must be an absolute URI with a scheme")
	}
	if !isSHA256Hex(a.SHA256) {
		v.add(field+".sha256", "must be 64 lower-case hex digits")
	}
	if mt, _, err := mime.ParseMediaType(a.MediaType); a.MediaType == "" {
		v.add(field+".mediaType", "is required")
	} else if err != nil || !strings.Contains(mt, "/") || len(a.MediaType) > MaxNameLen {
		v.add(field+".mediaType", "must be a media type such as application/pdf")
	}
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// level checks that a required level was given; whether it lies on the
// standard's scale depends on state and is a rule (RuleLevelOffScale).
func (v *validator) level(field string, l *int) {
	if l == nil {
		v.add(field, "is required")
	}
}

func (v *validator) components(field string, cs []Component) {
	switch {
	case len(cs) == 0:
		v.add(field, "must list at least one component")
		return
	case len(cs) > MaxListLen:
		v.add(field, "must have at most %d entries", MaxListLen)
		return
	}
	seen := make(map[string]bool, len(cs))
	for i, c := range cs {
		f := fmt.Sprintf("%s[%d]", field, i)
		v.id(f+".id", c.ID)
		if seen[c.ID] {
			v.add(f+".id", "repeats %q", c.ID)
		}
		seen[c.ID] = true
		v.text(f+".statement", c.Statement, MaxTextLen)
		v.optionalText(f+".caseIdentifier", c.CaseIdentifier, MaxNameLen)
		v.optionalText(f+".caseUri", c.CaseURI, MaxURILen)
	}
}

// caseRef checks an optional CASE reference: when given, the document and
// the item must each be named.
func (v *validator) caseRef(field string, r *CaseRef) {
	if r == nil {
		return
	}
	v.text(field+".documentIdentifier", r.DocumentIdentifier, MaxNameLen)
	v.optionalText(field+".documentUri", r.DocumentURI, MaxURILen)
	v.text(field+".itemIdentifier", r.ItemIdentifier, MaxNameLen)
	v.optionalText(field+".itemUri", r.ItemURI, MaxURILen)
	v.optionalText(field+".lastChangeDateTime", r.LastChangeDateTime, MaxNameLen)
}

func (v *validator) scale(field string, s *Scale) {
	if s == nil {
		return
	}
	switch {
	case len(s.Levels) < 2:
		v.add(field+".levels", "must have at least 2 levels: a standard is met or not yet")
		return
	case len(s.Levels) > MaxScaleLevels:
		v.add(field+".levels", "must have at most %d levels", MaxScaleLevels)
		return
	}
	for i, l := range s.Levels {
		f := fmt.Sprintf("%s.levels[%d]", field, i)
		if l.Level < 0 {
			v.add(f+".level", "must not be negative")
		}
		if i > 0 && l.Level <= s.Levels[i-1].Level {
			v.add(f+".level", "must be greater than the level before it (%d)", s.Levels[i-1].Level)
		}
		v.text(f+".label", l.Label, MaxNameLen)
	}
	switch {
	case !s.Has(s.Proficient):
		v.add(field+".proficient", "must be one of the scale's levels")
	case s.Proficient == s.Levels[0].Level:
		v.add(field+".proficient", "must be above the lowest level, or every attempt would meet")
	}
}

// date checks a calendar date in the form YYYY-MM-DD.
func (v *validator) date(field, s string) {
	if s == "" {
		v.add(field, "is required")
		return
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		v.add(field, "must be a date in the form YYYY-MM-DD")
	}
}
