package credential

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/masteryledger/ledger/domain"
)

// The credential's @context, in the order OB 3.0 requires: VC 2.0 first,
// OB 3.0 second, then an inline context for the ledger's extension.
const (
	contextVC = "https://www.w3.org/ns/credentials/v2"
	contextOB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

	// ledgerProofIRI names the ledgerProof property for JSON-LD.
	ledgerProofIRI = "https://github.com/masteryledger/ledger/blob/main/docs/trust.md#ledger-proof"
	// ledgerContext declares ledgerProof as a JSON literal (@json), so that
	// JSON-LD processors accept it as it is instead of failing on, or
	// reinterpreting, terms no vocabulary defines.
	ledgerContext = `{"ledgerProof":{"@id":"` + ledgerProofIRI + `","@type":"@json"}}`
)

// Types of the credential: OB 3.0 accepts AchievementCredential or its
// alias OpenBadgeCredential; its examples use the latter.
const (
	typeVC = "VerifiableCredential"
	typeOB = "OpenBadgeCredential"
	// typeOBAlias is accepted on reading only.
	typeOBAlias = "AchievementCredential"
)

// identifierType of the school's and the learner's ids: the id the source
// system (the ledger) knows them by.
const identifierType = "sourcedId"

// credentialJSON is an OB 3.0 AchievementCredential as the ledger issues it,
// with the JWT claims that OB 3.0's VC-JWT puts beside the credential's own
// properties in the payload.
type credentialJSON struct {
	Context           []json.RawMessage `json:"@context"`
	ID                string            `json:"id"`
	Type              []string          `json:"type"`
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	Issuer            profileJSON       `json:"issuer"`
	ValidFrom         string            `json:"validFrom"`
	CredentialSubject subjectJSON       `json:"credentialSubject"`
	Evidence          []evidenceJSON    `json:"evidence"`
	CredentialStatus  *statusEntryJSON  `json:"credentialStatus,omitempty"`
	LedgerProof       ledgerProofJSON   `json:"ledgerProof"`

	// The JWT claims that VC 2.0's context defines (as JOSE terms), so
	// that JSON-LD processors in safe mode accept the payload as it is.
	// jti is not among them: the credential's id is its id, and the JWT
	// carries no jti (docs/trust.md, "VC-JWT").
	Iss string `json:"iss"`
	Nbf int64  `json:"nbf"`
	Sub string `json:"sub"`
}

// statusEntryJSON is a W3C Bitstring Status List entry: the credential's
// bit in the ledger's revocation list.
type statusEntryJSON struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

type profileJSON struct {
	ID              string                `json:"id"`
	Type            []string              `json:"type"`
	Name            string                `json:"name"`
	OtherIdentifier []identifierEntryJSON `json:"otherIdentifier"`
}

type identifierEntryJSON struct {
	Type           string `json:"type"`
	Identifier     string `json:"identifier"`
	IdentifierType string `json:"identifierType"`
}

type subjectJSON struct {
	ID              string               `json:"id"`
	Type            []string             `json:"type"`
	Identifier      []identityObjectJSON `json:"identifier"`
	Achievement     achievementJSON      `json:"achievement"`
	Result          []resultJSON         `json:"result"`
	ActivityEndDate string               `json:"activityEndDate"`
}

type identityObjectJSON struct {
	Type         string `json:"type"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
	Hashed       bool   `json:"hashed"`
	Salt         string `json:"salt,omitempty"`
}

// alignmentJSON ties the achievement to the standard it certifies, as
// OB 3.0's Alignment (schema.org's AlignmentObject).
type alignmentJSON struct {
	Type            []string `json:"type"`
	TargetName      string   `json:"targetName"`
	TargetURL       string   `json:"targetUrl"`
	TargetFramework string   `json:"targetFramework,omitempty"`
	TargetCode      string   `json:"targetCode,omitempty"`
	TargetType      string   `json:"targetType"`
}

type achievementJSON struct {
	ID                string                  `json:"id"`
	Type              []string                `json:"type"`
	AchievementType   string                  `json:"achievementType"`
	Name              string                  `json:"name"`
	Description       string                  `json:"description"`
	Criteria          criteriaJSON            `json:"criteria"`
	HumanCode         string                  `json:"humanCode"`
	Version           string                  `json:"version"`
	Alignment         []alignmentJSON         `json:"alignment"`
	Tag               []string                `json:"tag,omitempty"`
	OtherIdentifier   []identifierEntryJSON   `json:"otherIdentifier"`
	ResultDescription []resultDescriptionJSON `json:"resultDescription"`
}

type criteriaJSON struct {
	Narrative string `json:"narrative"`
}

type resultDescriptionJSON struct {
	ID                   string                     `json:"id"`
	Type                 []string                   `json:"type"`
	Name                 string                     `json:"name"`
	ResultType           string                     `json:"resultType"`
	RequiredLevel        string                     `json:"requiredLevel"`
	RubricCriterionLevel []rubricCriterionLevelJSON `json:"rubricCriterionLevel"`
}

type rubricCriterionLevelJSON struct {
	ID    string   `json:"id"`
	Type  []string `json:"type"`
	Name  string   `json:"name"`
	Level string   `json:"level"`
}

type resultJSON struct {
	Type              []string `json:"type"`
	ResultDescription string   `json:"resultDescription"`
	AchievedLevel     string   `json:"achievedLevel"`
}

type evidenceJSON struct {
	ID          string   `json:"id"`
	Type        []string `json:"type"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Genre       string   `json:"genre"`
}

// ledgerProofJSON is the extension that makes the evidence checkable
// offline: the signed checkpoint and, per event, its leaf and inclusion
// proof.
type ledgerProofJSON struct {
	// IssuerBinding is a signed note of the log's key naming the issuer's
	// did:key: what ties the credential key to the key verifiers hold.
	IssuerBinding string           `json:"issuerBinding"`
	Checkpoint    string           `json:"checkpoint"`
	Events        []proofEventJSON `json:"events"`
}

type proofEventJSON struct {
	EventID string `json:"eventId"`
	// Stream is empty in what the ledger issues (see build); it is read
	// for credentials that carry it.
	Stream    string `json:"stream,omitempty"`
	Revision  uint64 `json:"revision"`
	Hash      string `json:"hash"`
	LeafIndex uint64 `json:"leafIndex"`
	TreeSize  uint64 `json:"treeSize"`
	// InclusionProof encodes as standard base64 strings.
	InclusionProof [][]byte `json:"inclusionProof"`
}

// build makes the credential of c, issued by the did:key issuer with the
// log's binding note, with proofs against a tree of treeSize leaves.
func build(c Claim, issuer, binding string, treeSize uint64) credentialJSON {
	achievementID := urnUUID("achievement", issuer, c.Standard.ID, strconv.Itoa(c.Standard.Revision))
	resultID := achievementID + "#result"
	levelID := func(level int) string { return achievementID + "#level-" + strconv.Itoa(level) }

	levels := make([]rubricCriterionLevelJSON, 0, len(c.Standard.Scale.Levels))
	label := ""
	for _, l := range c.Standard.Scale.Levels {
		levels = append(levels, rubricCriterionLevelJSON{
			ID: levelID(l.Level), Type: []string{"RubricCriterionLevel"}, Name: l.Label, Level: strconv.Itoa(l.Level),
		})
		if l.Level == c.Level {
			label = l.Label
		}
	}
	proficient := ""
	for _, l := range c.Standard.Scale.Levels {
		if l.Level == c.Standard.Scale.Proficient {
			proficient = l.Label
		}
	}

	name := c.Standard.Code + ": " + c.Standard.Title
	if c.Standard.Framework != "" {
		name = c.Standard.Framework + " " + name
	}
	var tags []string
	if c.Standard.Framework != "" {
		tags = []string{c.Standard.Framework}
	}

	// nbf is whole seconds and OB 3.0 wants it equal to validFrom, so
	// validFrom drops the fraction of a second recordedAt may have.
	validFrom := c.RecordedAt.UTC().Truncate(time.Second)
	subject := urnUUID("learner", issuer, c.LearnerID)
	id := CredentialID(c.LearnerID, c.Standard.ID, c.AttemptID)

	evidence := make([]evidenceJSON, 0, len(c.Events))
	proofs := make([]proofEventJSON, 0, len(c.Events))
	for _, e := range c.Events {
		evidence = append(evidence, evidenceJSON{
			ID:   eventURN(e.ID),
			Type: []string{"Evidence"},
			Name: eventName(e.Type),
			// The stream is left out: its name holds the learner's id,
			// which the credential names only by a salted hash.
			Description: fmt.Sprintf("%s, revision %d of the learner's stream, event hash %s.", e.Type, e.Revision, e.Hash),
			Genre:       e.Type,
		})
		// A leaf alone in its tree has an empty proof: [] in JSON, not null.
		proof := make([][]byte, 0, len(e.Proof))
		proofs = append(proofs, proofEventJSON{
			EventID: e.ID.String(), Revision: e.Revision, Hash: e.Hash,
			LeafIndex: e.LeafIndex, TreeSize: treeSize, InclusionProof: append(proof, e.Proof...),
		})
	}

	var status *statusEntryJSON
	if c.Status != nil {
		idx := strconv.FormatUint(c.Status.Index, 10)
		status = &statusEntryJSON{
			ID: c.Status.ListURL + "#" + idx, Type: "BitstringStatusListEntry", StatusPurpose: "revocation",
			StatusListIndex: idx, StatusListCredential: c.Status.ListURL,
		}
	}

	return credentialJSON{
		Context: []json.RawMessage{json.RawMessage(`"` + contextVC + `"`), json.RawMessage(`"` + contextOB + `"`), json.RawMessage(ledgerContext)},
		ID:      id,
		Type:    []string{typeVC, typeOB},
		Name:    name,
		Description: fmt.Sprintf("Met %s (revision %d) at level %d, %s, in the summative attempt of %s.",
			c.Standard.Code, c.Standard.Revision, c.Level, label, c.MetAt.UTC().Format(time.DateOnly)),
		Issuer: profileJSON{
			ID: issuer, Type: []string{"Profile"}, Name: c.School.Name,
			OtherIdentifier: []identifierEntryJSON{{Type: "IdentifierEntry", Identifier: c.School.ID, IdentifierType: identifierType}},
		},
		ValidFrom: validFrom.Format(time.RFC3339),
		CredentialSubject: subjectJSON{
			ID:   subject,
			Type: []string{"AchievementSubject"},
			Identifier: []identityObjectJSON{{Type: "IdentityObject", IdentityHash: IdentityHash(c.LearnerID, c.Salt),
				IdentityType: identifierType, Hashed: true, Salt: c.Salt}},
			Achievement: achievementJSON{
				ID:              achievementID,
				Type:            []string{"Achievement"},
				AchievementType: "Competency",
				Name:            c.Standard.Title,
				Description:     c.Standard.Statement,
				Criteria: criteriaJSON{Narrative: fmt.Sprintf(
					"Met when, after the learner and a teacher agree that every component of the standard is mastered, "+
						"a summative assessment reaches level %d (%s) or above on the standard's rubric.",
					c.Standard.Scale.Proficient, proficient)},
				HumanCode:       c.Standard.Code,
				Version:         strconv.Itoa(c.Standard.Revision),
				Alignment:       []alignmentJSON{alignmentOf(c.Standard)},
				Tag:             tags,
				OtherIdentifier: []identifierEntryJSON{{Type: "IdentifierEntry", Identifier: c.Standard.ID, IdentifierType: identifierType}},
				ResultDescription: []resultDescriptionJSON{{
					ID: resultID, Type: []string{"ResultDescription"}, Name: "Level on the standard's rubric",
					ResultType: "RubricCriterionLevel", RequiredLevel: levelID(c.Standard.Scale.Proficient),
					RubricCriterionLevel: levels,
				}},
			},
			Result: []resultJSON{{
				Type: []string{"Result"}, ResultDescription: resultID, AchievedLevel: levelID(c.Level),
			}},
			ActivityEndDate: domain.FormatTime(c.MetAt),
		},
		Evidence:         evidence,
		CredentialStatus: status,
		LedgerProof:      ledgerProofJSON{IssuerBinding: binding, Checkpoint: c.Checkpoint, Events: proofs},

		Iss: issuer,
		Nbf: validFrom.Unix(),
		Sub: subject,
	}
}

// CredentialID is the id of the credential of a learner's attempt that met
// a standard: name-based, so that the ledger knows it before it signs, and
// one per attempt.
func CredentialID(learnerID, standardID string, attemptID uuid.UUID) string {
	return urnUUID("credential", learnerID, standardID, attemptID.String())
}

// IdentityHash is OB 3.0's salted identity hash of a learner id:
// "sha256$" and the hex SHA-256 of the id followed by the salt (OB 3.0,
// IdentityHash). A verifier who is told the id checks it against the hash;
// one who is not learns nothing but that the same salt gives the same hash.
func IdentityHash(learnerID, salt string) string {
	sum := sha256.Sum256([]byte(learnerID + salt))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// Alignment target types: CFItem for a standard imported from a CASE
// package (OB 3.0's AlignmentTargetType), and an extension type for one
// published by hand, whose only home is the ledger's own standard route.
const (
	targetTypeCASE   = "CFItem"
	targetTypeLedger = "ext:LedgerStandard"
)

// alignmentOf aligns the achievement to the standard: its CASE item where
// the standard came from a CASE package, else the ledger's standard.
func alignmentOf(s Standard) alignmentJSON {
	a := alignmentJSON{Type: []string{"Alignment"}, TargetName: s.Title, TargetFramework: s.Framework, TargetCode: s.Code}
	if s.CaseItemURI != "" {
		a.TargetURL, a.TargetType = s.CaseItemURI, targetTypeCASE
	} else {
		a.TargetURL, a.TargetType = s.URL, targetTypeLedger
	}
	return a
}

// urnUUID is a name-based (version 5) UUID URN, so that issuing again gives
// the same identifier. Parts are joined with NUL, which no id contains.
func urnUUID(parts ...string) string {
	space := uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/masteryledger/ledger/credential"))
	return "urn:uuid:" + uuid.NewSHA1(space, []byte(strings.Join(parts, "\x00"))).String()
}

func eventURN(id uuid.UUID) string { return "urn:uuid:" + id.String() }

// eventName is the evidence's display name for an event type.
func eventName(eventType string) string {
	switch eventType {
	case domain.TypePreAssessmentRecorded:
		return "Pre-assessment"
	case domain.TypeEvidenceRecorded:
		return "Formative evidence"
	case domain.TypeReadinessAgreed:
		return "Readiness agreement"
	case domain.TypeSummativeAttemptRecorded:
		return "Summative attempt"
	}
	return eventType
}
