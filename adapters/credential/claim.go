package credential

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

// ErrInvalidClaim reports a Claim that Issue refuses to sign: a missing
// field, a level off the scale, or ledger proof material that does not
// verify. A claim is built by the ledger from its own records, so this is
// an internal error, never the client's.
var ErrInvalidClaim = errors.New("invalid claim")

// Claim is one met standard with everything its credential names: who
// issues it, who met what at which level, and the logged events it rests
// on with their inclusion proofs against Checkpoint.
type Claim struct {
	School    School
	LearnerID string
	Standard  Standard
	// AttemptID is the event id of the summative attempt that met the
	// standard; it must be one of Events.
	AttemptID uuid.UUID
	// Level is the rubric level reached in that attempt.
	Level int
	// MetAt is when the attempt happened (its occurredAt); RecordedAt is
	// when the ledger recorded it, and the credential is valid from then.
	MetAt      time.Time
	RecordedAt time.Time
	// Events are the events the claim rests on: pre-assessment, evidence,
	// the agreement, the attempt, in the order the credential lists them.
	Events []Event
	// Checkpoint is the signed note of the transparency log that every
	// inclusion proof in Events is computed against.
	Checkpoint string
	// Salt salts the learner's identity hash; chosen at random when the
	// credential is issued, and carried in it (OB 3.0 IdentityObject).
	Salt string
	// Status, if set, is the credential's bit in the revocation list.
	Status *Status
}

// Status is a credential's entry in a W3C Bitstring Status List.
type Status struct {
	// ListURL is the absolute URL the status list credential is served at.
	ListURL string
	// Index is the credential's bit; the ledger uses the leaf index of the
	// attempt the credential rests on, unique in the log and known before
	// the credential is signed.
	Index uint64
}

// School is the issuing school.
type School struct {
	ID   string
	Name string
}

// Standard is the standard met, at the revision met.
type Standard struct {
	ID        string
	Framework string
	Code      string
	Title     string
	Statement string
	Revision  int
	Scale     domain.Scale
	// CaseItemURI is the CASE item the standard was imported from, if any;
	// URL is the ledger's own address of the standard. The alignment
	// points at the first that is set.
	CaseItemURI string
	URL         string
}

// Event is one logged event a claim rests on.
type Event struct {
	ID       uuid.UUID
	Type     string // a domain Type constant, e.g. domain.TypeEvidenceRecorded
	Stream   string
	Revision uint64
	// Hash is the envelope's hash: 64 lower-case hex digits.
	Hash string
	// LeafIndex is the event's 0-based ordinal in the ledger's global
	// order, which is its leaf index in the transparency log.
	LeafIndex uint64
	// Proof is the inclusion proof of the leaf in the tree of the
	// checkpoint's size: sibling hashes, leaf to root.
	Proof [][]byte
}

// validate checks the claim's shape. The proofs are checked separately,
// against the key that signs.
func (c Claim) validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrInvalidClaim)
	}
	switch {
	case c.School.ID == "" || c.School.Name == "":
		return fail("school id and name are required")
	case c.LearnerID == "":
		return fail("learner id is required")
	case c.Standard.ID == "" || c.Standard.Code == "" || c.Standard.Title == "" || c.Standard.Statement == "":
		return fail("standard id, code, title and statement are required")
	case c.Standard.Revision < 1:
		return fail("standard revision %d: revisions start at 1", c.Standard.Revision)
	case len(c.Standard.Scale.Levels) == 0:
		return fail("standard %s has no scale", c.Standard.ID)
	case !c.Standard.Scale.Has(c.Standard.Scale.Proficient):
		return fail("proficient level %d is not on the scale of %s", c.Standard.Scale.Proficient, c.Standard.ID)
	case !c.Standard.Scale.Has(c.Level):
		return fail("level %d is not on the scale of %s", c.Level, c.Standard.ID)
	case c.Level < c.Standard.Scale.Proficient:
		return fail("level %d is below the proficient level %d: the standard is not met", c.Level, c.Standard.Scale.Proficient)
	case c.MetAt.IsZero() || c.RecordedAt.IsZero():
		return fail("metAt and recordedAt are required")
	case c.Checkpoint == "":
		return fail("checkpoint is required")
	case len(c.Salt) < 16:
		return fail("salt of at least 16 characters is required: the identity hash must not be guessable from the id alone")
	case c.Standard.CaseItemURI == "" && c.Standard.URL == "":
		return fail("standard %s has neither a CASE item nor a URL to align to", c.Standard.ID)
	case c.Status != nil && c.Status.ListURL == "":
		return fail("status list URL is required with a status")
	case len(c.Events) == 0:
		return fail("no events: a claim rests on at least its summative attempt")
	}
	// OB 3.0 orders rubric levels low to high, and Verify compares levels
	// by their place in the list.
	for i, l := range c.Standard.Scale.Levels {
		if l.Label == "" || i > 0 && l.Level <= c.Standard.Scale.Levels[i-1].Level {
			return fail("scale of %s: level %d has no label or is out of ascending order", c.Standard.ID, l.Level)
		}
	}
	seen := make(map[uuid.UUID]bool, len(c.Events))
	attempt := false
	for _, e := range c.Events {
		switch {
		case e.ID == uuid.Nil:
			return fail("an event has no id")
		case seen[e.ID]:
			return fail("event %s is listed twice", e.ID)
		case e.Type == "" || e.Stream == "":
			return fail("event %s: type and stream are required", e.ID)
		case !isHexHash(e.Hash):
			return fail("event %s: hash %q is not 64 lower-case hex digits", e.ID, e.Hash)
		}
		seen[e.ID] = true
		if e.ID == c.AttemptID && e.Type == domain.TypeSummativeAttemptRecorded {
			attempt = true
		}
	}
	if !attempt {
		return fail("attempt %s is not among the events as a %s", c.AttemptID, domain.TypeSummativeAttemptRecorded)
	}
	return nil
}

// isHexHash reports whether s is a SHA-256 as the envelope prints it.
func isHexHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}
