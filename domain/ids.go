package domain

import (
	"strings"
	"time"
)

// Limits on what a command may carry. Texts are counted in characters
// (Unicode code points), not bytes, because that is what a teacher typing a
// note can see. The store's MaxEventDataSize stays the last guard.
const (
	// MaxIDLen is the longest id of a standard, component, school, learner,
	// cohort, goal, plan, survey round or item.
	MaxIDLen = 64
	// MaxNameLen bounds short labels: names, titles, codes, frameworks,
	// rubric labels, assessors, interests, list items.
	MaxNameLen = 200
	// MaxTextLen bounds free text: statements, notes, reasons, feedback,
	// the parts of a goal or a plan.
	MaxTextLen = 4000
	// MaxURILen bounds an artifact's URI.
	MaxURILen = 2048
	// MaxListLen bounds every list a command carries (components, evidence
	// ids, standard ids, survey items, interests).
	MaxListLen = 100
	// MaxScaleLevels bounds a rubric scale.
	MaxScaleLevels = 10

	// MaxClockSkew is how far occurredAt may lie ahead of the ledger's clock:
	// classroom devices' clocks drift, but a fact cannot be recorded before
	// it happened. Any past time is accepted (records are often late).
	MaxClockSkew = 5 * time.Minute
)

// Roles an Actor can hold. DOMAIN.md's roles table says what each may write;
// the decisions enforce it, and the HTTP adapter checks it first (403).
const (
	RoleAdmin      = "admin"
	RoleTeacher    = "teacher"
	RoleLearner    = "learner"
	RoleAuditor    = "auditor"
	RoleResearcher = "researcher"
	// RoleTool is a learning tool that sends xAPI statements for its
	// school (adapters/xapi); it writes statements and the evidence
	// derived from them, nothing else.
	RoleTool = "tool"
)

// ValidRole reports whether r is one of the six roles.
func ValidRole(r string) bool {
	switch r {
	case RoleAdmin, RoleTeacher, RoleLearner, RoleAuditor, RoleResearcher, RoleTool:
		return true
	}
	return false
}

// Stream categories: the part of a stream name before the first hyphen.
// Category names contain no hyphen, so the id after it may.
const (
	StandardCategory = "standard"
	LearnerCategory  = "learner"
	SchoolCategory   = "school"
)

// StandardStream is the stream of one standard's definition and revisions.
func StandardStream(standardID string) string { return StandardCategory + "-" + standardID }

// LearnerStream is the stream of every event of one learner.
func LearnerStream(learnerID string) string { return LearnerCategory + "-" + learnerID }

// SchoolStream is the stream of one school's registration and survey responses.
func SchoolStream(schoolID string) string { return SchoolCategory + "-" + schoolID }

// ParseStream splits a stream name into its category (StandardCategory,
// LearnerCategory or SchoolCategory) and id. ok is false for any other name
// or an id that is not ValidID, so a reader of the global feed can tell which
// learner or standard an event belongs to without guessing.
func ParseStream(stream string) (category, id string, ok bool) {
	category, id, found := strings.Cut(stream, "-")
	if !found || !ValidID(id) {
		return "", "", false
	}
	switch category {
	case StandardCategory, LearnerCategory, SchoolCategory:
		return category, id, true
	}
	return "", "", false
}

// ValidID reports whether s is an id of the ledger: 1 to 64 characters of
// A-Z, a-z, 0-9, '.', '_' and '-'. "." and ".." are refused although the
// character class allows them: as a URL path segment they are dot segments,
// which clients and routers resolve away, so such an id could never be
// addressed.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLen || s == "." || s == ".." {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}
