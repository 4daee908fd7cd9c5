package research

import "github.com/masteryledger/ledger/domain"

// kind is what a field of an event's data holds, and so what the research
// copy does with it.
type kind int

const (
	// shared: an id, a level, a date, a source, a boolean, an enumeration,
	// or catalog text the school publishes to everyone: kept (learner ids
	// in it still replaced).
	shared kind = iota
	// learner: a learner id, replaced by its pseudonym.
	learner
	// named: names whoever assessed. A learner id (a peer) becomes its
	// pseudonym; anything else is a person's name or a description, so it
	// is free text.
	named
	// text: free text a teacher or a learner typed. Left out unless the
	// school shares free text.
	text
)

// field is the rule of one member of an event's data: a kind for a scalar
// (or each element of an array of scalars), or the fields of a nested
// object (or of each element of an array of objects).
type field struct {
	kind kind
	of   fields
}

// fields is an allowlist: a member it does not name is left out.
type fields map[string]field

var (
	keep     = field{kind: shared}
	learnerF = field{kind: learner}
	namedF   = field{kind: named}
	textF    = field{kind: text}
)

// artifact: the file's hash and type are facts; its address may name the
// learner (a folder, a file name), so it is free text.
var artifact = field{of: fields{"uri": textF, "sha256": keep, "mediaType": keep}}

// components of a standard: the learning progression, published catalog.
var components = field{of: fields{"id": keep, "statement": keep}}

// allowlist is the rule of every event type researchers may read. A type
// that is not here shares its envelope only; LearnerProfileUpdated is never
// shared (see left).
var allowlist = map[string]fields{
	domain.TypeStandardPublished: {
		"standardId": keep, "framework": keep, "code": keep, "title": keep, "statement": keep,
		"components": components,
		"scale":      {of: fields{"levels": {of: fields{"level": keep, "label": keep}}, "proficient": keep}},
	},
	// A standard's revision and retirement are catalog, the admin's, about
	// no learner.
	domain.TypeStandardRevised: {
		"standardId": keep, "standardRevision": keep, "statement": keep, "components": components, "reason": keep,
	},
	domain.TypeStandardRetired:    {"standardId": keep, "reason": keep},
	domain.TypeSchoolRegistered:   {"schoolId": keep, "name": keep},
	domain.TypeResearchSharingSet: {"includeFreeText": keep},
	// A response is anonymous: it names no one, and its actor is whoever
	// entered it.
	domain.TypeEfficacySurveyRecorded: {
		"roundId": keep, "respondent": keep, "cohort": keep, "scaleMin": keep, "scaleMax": keep,
		"items":        {of: fields{"itemId": keep, "score": keep}},
		"instrumentId": keep, "instrumentVersion": keep,
	},
	// An instrument is catalog the school publishes to its respondents:
	// the items' wording is about no one, and a researcher needs it to
	// read the scores.
	domain.TypeSurveyInstrumentPublished: {
		"instrumentId": keep, "version": keep, "title": keep, "respondent": keep, "scaleMin": keep, "scaleMax": keep,
		"subscales": {of: fields{"id": keep, "name": keep}},
		"items":     {of: fields{"itemId": keep, "text": keep, "subscale": keep, "reverseKeyed": keep}},
		"source":    keep,
	},
	domain.TypeSurveyRoundOpened: {
		"roundId": keep, "instrumentId": keep, "instrumentVersion": keep, "respondent": keep, "invited": keep, "cohort": keep,
	},
	domain.TypeLearnerEnrolled:  {"learnerId": learnerF, "schoolId": keep, "cohort": keep},
	domain.TypeLearnerWithdrawn: {"reason": textF},
	domain.TypePreAssessmentRecorded: {
		"standardId": keep, "standardRevision": keep, "demonstrated": keep, "note": textF,
	},
	domain.TypeEvidenceRecorded: {
		"standardId": keep, "standardRevision": keep, "componentId": keep, "level": keep, "source": keep,
		"assessor": namedF, "artifact": artifact, "note": textF,
	},
	domain.TypeEvidenceRetracted: {
		"evidenceId": keep, "standardId": keep, "componentId": keep, "reason": textF,
	},
	domain.TypeFeedbackGiven: {
		"standardId": keep, "evidenceIds": keep, "strengths": textF, "nextSteps": textF, "causes": textF,
	},
	domain.TypeGoalSet: {
		"goalId": keep, "targetDate": keep, "standardIds": keep,
		"specific": textF, "measurable": textF, "achievable": textF, "relevant": textF, "evaluate": textF, "review": textF,
	},
	domain.TypePlanDrafted: {
		"planId": keep, "goalId": keep, "plan": textF, "learn": textF, "check": textF, "adjust": textF,
	},
	domain.TypePlanAdjusted: {"planId": keep, "goalId": keep, "change": textF, "reason": textF},
	domain.TypeGoalEvaluated: {
		"goalId": keep, "result": keep, "evidenceIds": keep, "note": textF,
	},
	domain.TypeGoalReviewed: {"goalId": keep, "reflection": textF, "nextGoal": textF},
	// The teacher is the confirming teacher's name as their token gives it,
	// the same as the envelope's actor, which the copy keeps.
	// The request id is an event id, as evidence ids are; the request's
	// timing is the envelope's.
	domain.TypeReadinessAgreed: {
		"standardId": keep, "standardRevision": keep,
		"components": {of: fields{"id": keep, "evidenceIds": keep, "preAssessed": keep}},
		"teacher":    keep, "learnerConfirmed": keep, "requestId": keep, "note": textF,
	},
	// Who asked (the learner or a teacher) is the envelope's actor, which
	// the copy pseudonymises; the note is the learner's own words.
	domain.TypeReadinessRequested: {
		"standardId": keep, "standardRevision": keep, "evidenceIds": keep, "note": textF,
	},
	domain.TypeSummativeAttemptRecorded: {
		"standardId": keep, "standardRevision": keep, "agreementId": keep, "level": keep, "proficient": keep,
		"meets": keep, "assessor": namedF, "artifact": artifact, "note": textF,
	},
	// The reason is a code from a closed list, never free text.
	domain.TypeLearnerPersonalDataErased: {"reason": keep},
	// An xAPI statement names its actor (an e-mail address, an account
	// name, a display name) and may hold anything a tool sent: the copy
	// keeps which statement, for which school, and what it voids, never
	// the statement or its attachments, shared free text or not. The
	// evidence derived from it is copied as any evidence.
	domain.TypeStatementRecorded: {"statementId": keep, "schoolId": keep, "voids": keep},
	// An xAPI document is a tool's data about a learner (a bookmark, a
	// saved answer) named by the agent it is about and ids the tool
	// chose: the copy keeps that a document of a kind was written or
	// deleted for a school, none of its keys or content.
	domain.TypeXAPIDocumentPut:     {"schoolId": keep, "kind": keep},
	domain.TypeXAPIDocumentDeleted: {"schoolId": keep, "kind": keep},
	// An alignment is catalog: an activity's address and a component.
	domain.TypeXAPIActivityAligned: {
		"activityId": keep, "standardId": keep, "componentId": keep,
		"cutScores": {of: fields{"level": keep, "minScaled": keep}},
	},
	// A link names the agent (personal data), left out; the learner id
	// becomes its pseudonym.
	domain.TypeXAPIAgentLinked: {"learnerId": learnerF},
	// The credential itself (jwt) names the learner by a salted hash whose
	// salt travels with it, so a researcher could test guessed ids against
	// it; its id and digest are derived from the learner's id or identify
	// the document held outside. What is kept says which attempt was
	// certified when, against which checkpoint.
	domain.TypeCredentialIssued: {
		"standardId": keep, "standardRevision": keep, "attemptId": keep, "alg": keep,
		"checkpointSize": keep, "checkpointRoot": keep, "statusListIndex": keep,
	},
	domain.TypeCredentialRevoked: {"standardId": keep, "reason": textF},
	// A practice review's scope names learners by id: pseudonyms. What
	// the practice is, the result it should move and what was learned
	// are the staff's words, shared only as the school shares free text;
	// the figures are aggregates, kept.
	domain.TypePracticeReviewStarted: {
		"reviewId": keep, "practice": textF, "intendedResult": textF, "standardIds": keep,
		"scope": reviewScope, "comparison": reviewScope, "startDate": keep, "reviewDate": keep,
	},
	domain.TypePracticeReviewConcluded: {
		"reviewId": keep, "decision": keep, "learned": textF,
		"figures": {of: fields{
			"asOfPosition": keep, "scopeLearners": keep, "comparisonLearners": keep, "resamples": keep, "level": keep,
			"figures": {of: fields{
				"name": keep, "scopeBefore": keep, "scopeDuring": keep, "comparisonBefore": keep, "comparisonDuring": keep,
				"difference": keep, "low": keep, "high": keep, "observational": keep,
			}},
		}},
	},
}

// reviewScope is a practice review's scope or comparison.
var reviewScope = field{of: fields{"cohorts": keep, "learnerIds": learnerF}}

// left reports whether events of type t are left out of the research copy
// altogether: they hold personal data, sealed or not.
func left(t string) bool { return t == domain.TypeLearnerProfileUpdated }
