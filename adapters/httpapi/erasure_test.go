package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/masteryledger/ledger/adapters/keystore"
	"github.com/masteryledger/ledger/domain"
)

// A profile the tests can look for anywhere: every value is unusual enough
// that finding it means the plaintext leaked.
var (
	secretProfile = obj{
		"displayName":           "Zephyrine Quartermaine",
		"interests":             []string{"astrophotography"},
		"learningPreferences":   []string{"worked examples on slate"},
		"backgroundKnowledge":   "Fractions from Mrs Oduya's class",
		"collegeAndCareerGoals": "Marine volcanology",
	}
	secrets = []string{"Zephyrine", "Quartermaine", "astrophotography", "on slate", "Oduya", "volcanology"}
)

// noSecrets fails if b holds any part of the secret profile.
func noSecrets(t *testing.T, where string, b []byte) {
	t.Helper()
	for _, s := range secrets {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("%s holds %q in plain text", where, s)
		}
	}
}

// noSecretsOnDisk reads every file of the data directory (the SQLite
// database and its write-ahead log included) and fails if one holds any
// part of the secret profile.
func (a *api) noSecretsOnDisk(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir(a.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		noSecrets(t, "file "+d.Name(), raw)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// feedLine returns the line of the NDJSON feed holding event id.
func feedLine(t *testing.T, feed []byte, id string) []byte {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(feed))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		if bytes.Contains(sc.Bytes(), []byte(`"eventId":"`+id+`"`)) {
			return bytes.Clone(sc.Bytes())
		}
	}
	t.Fatalf("event %s is not in the feed", id)
	return nil
}

type profileReply struct {
	LearnerID string          `json:"learnerId"`
	Erased    bool            `json:"erased"`
	ErasedAt  *string         `json:"erasedAt"`
	UpdatedAt *string         `json:"updatedAt"`
	Personal  *domain.Profile `json:"personal"`
}

func (a *api) profile(t *testing.T, token string) profileReply {
	t.Helper()
	r := a.must(200, "GET", "/v1/learners/l-0001/profile", token, nil)
	var p profileReply
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// Crypto-shredding over real HTTP: a profile is stored sealed and read
// back opened; the erasure is recorded, the key destroyed, the profile
// reads as erased and takes no update; every chain still verifies, because
// not one stored byte changed.
func TestPersonalDataIsSealedAndErased(t *testing.T) {
	onEveryStore(t, personalDataIsSealedAndErased)
}

func personalDataIsSealedAndErased(t *testing.T, a *api) {
	a.school()
	const l = "/v1/learners/l-0001"
	a.must(404, "GET", l+"/profile", teacherToken, nil)

	body := obj{"eventId": uuid.NewString()}
	for k, v := range secretProfile {
		body[k] = v
	}
	put := a.must(201, "PUT", l+"/profile", learnerToken, body)
	pos := a.lastPosition()
	again := a.must(201, "PUT", l+"/profile", learnerToken, body)
	if !bytes.Equal(put.body, again.body) || a.lastPosition() != pos {
		t.Fatalf("a retried profile update answered\n%s\nwant\n%s", again.body, put.body)
	}
	profileID := put.json(t)["eventId"].(string)

	feed := a.must(200, "GET", "/v1/events", auditorToken, nil).body
	noSecrets(t, "the auditor's raw feed", feed)
	sealedLine := feedLine(t, feed, profileID)
	if !bytes.Contains(sealedLine, []byte(`"data":{"sealed":{"alg":"A256GCM","nonce":"`)) {
		t.Fatalf("the stored profile is not sealed: %s", sealedLine)
	}
	for _, e := range a.eventsAfter(0) {
		noSecrets(t, "stored event "+e.ID.String(), e.Data)
	}
	a.noSecretsOnDisk(t)

	for _, token := range []string{learnerToken, teacherToken, auditorToken, adminToken} {
		p := a.profile(t, token)
		if p.Erased || p.ErasedAt != nil || p.UpdatedAt == nil || p.Personal == nil || p.Personal.DisplayName != "Zephyrine Quartermaine" ||
			p.Personal.CollegeCareerGoals != "Marine volcanology" || len(p.Personal.Interests) != 1 {
			t.Fatalf("the profile read back: %+v", p)
		}
	}

	del := a.must(201, "DELETE", l+"/personal-data", adminToken, obj{"reason": "learner-request"})
	erasureID := del.json(t)["eventId"].(string)
	if del.header.Get("ETag") == "" {
		t.Error("the erasure answered no ETag")
	}
	if _, err := a.keys.Existing(t.Context(), "l-0001"); !errors.Is(err, keystore.ErrDestroyed) {
		t.Fatalf("after the erasure the key is not destroyed: %v", err)
	}
	entries, err := os.ReadDir(a.keys.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || !strings.HasSuffix(entries[0].Name(), ".destroyed") {
		t.Fatalf("the key directory holds %v, want the tombstone only", entries)
	}

	p := a.profile(t, teacherToken)
	if !p.Erased || p.ErasedAt == nil || p.Personal != nil || p.UpdatedAt != nil || p.LearnerID != "l-0001" {
		t.Fatalf("the profile after the erasure: %+v", p)
	}

	pos = a.lastPosition()
	rep := a.must(200, "DELETE", l+"/personal-data", adminToken, nil)
	if rep.json(t)["eventId"] != erasureID || a.lastPosition() != pos {
		t.Fatalf("a repeated DELETE answered %s, want the erasure %s and nothing written", rep.body, erasureID)
	}
	r := a.must(422, "PUT", l+"/profile", learnerToken, secretProfile)
	if rule := r.json(t)["rule"]; rule != domain.RulePersonalDataErased {
		t.Errorf("a profile update after the erasure: rule %v, want %s", rule, domain.RulePersonalDataErased)
	}
	if a.lastPosition() != pos {
		t.Fatal("a refused profile update wrote")
	}

	after := a.must(200, "GET", "/v1/events", auditorToken, nil).body
	if got := feedLine(t, after, profileID); !bytes.Equal(got, sealedLine) {
		t.Errorf("the sealed profile changed:\n%s\nwas\n%s", got, sealedLine)
	}
	var v domain.ChainVerifier
	for _, e := range a.eventsAfter(0) {
		if err := v.Next(e); err != nil {
			t.Fatalf("the chains do not verify after the erasure: %v", err)
		}
	}

	erasure := feedLine(t, after, erasureID)
	if !bytes.Contains(erasure, []byte(`"type":"LearnerPersonalDataErased"`)) || !bytes.Contains(erasure, []byte(`"data":{"reason":"learner-request"}`)) {
		t.Errorf("the erasure event: %s", erasure)
	}
	research := a.must(200, "GET", "/v1/events", researcherToken, nil).body
	if line := feedLine(t, research, erasureID); bytes.Contains(line, []byte("l-0001")) || !bytes.Contains(line, []byte(`"stream":"learner-p-`)) {
		t.Errorf("the research copy of the erasure: %s", line)
	}
	if bytes.Contains(research, []byte(profileID)) {
		t.Error("the research feed holds the sealed profile")
	}
}

// Data directories written before sealing hold profiles in plain text: they
// still read, and an erasure hides them (their bytes stay in the log, which
// is the limit docs/domain.md names).
func TestPlainProfileFromBeforeSealing(t *testing.T) {
	onEveryStore(t, plainProfileFromBeforeSealing)
}

func plainProfileFromBeforeSealing(t *testing.T, a *api) {
	a.school()
	ctx := t.Context()
	stream := domain.LearnerStream("l-0001")
	head, err := a.store.ReadStream(ctx, stream, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	old := domain.Profile{DisplayName: "Ana", Interests: []string{"robots"}, LearningPreferences: []string{}}
	data, err := domain.NewEventData(domain.Meta{EventID: uuid.New(), Actor: domain.Actor{Role: domain.RoleTeacher, Name: "Ms Rivera"}},
		domain.LearnerProfileUpdated{Personal: &old})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data.Data, []byte(`{"personal":{"displayName":"Ana"`)) {
		t.Fatalf("not the old shape: %s", data.Data)
	}
	if _, err := a.store.Append(ctx, stream, domain.Revision(head[len(head)-1].Revision), data); err != nil {
		t.Fatal(err)
	}
	p := a.profile(t, auditorToken)
	if p.Personal == nil || p.Personal.DisplayName != "Ana" {
		t.Fatalf("the plain profile: %+v", p)
	}
	a.must(201, "DELETE", "/v1/learners/l-0001/personal-data", adminToken, nil)
	if p := a.profile(t, auditorToken); !p.Erased || p.Personal != nil {
		t.Fatalf("the plain profile after the erasure: %+v", p)
	}
}
