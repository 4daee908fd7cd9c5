package credential

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// obSchema compiles 1EdTech's OB 3.0 AchievementCredential schema
// (testdata/schema, its source in SOURCE.md there), formats asserted.
func obSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "schema", "ob_v3p0_achievementcredential_schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json-ld/ob_v3p0_achievementcredential_schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validatePayload validates a credential's JWT payload, the credential
// itself, against the schema.
func validatePayload(t *testing.T, s *jsonschema.Schema, jws string) error {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(jws, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return s.Validate(v)
}

// The credentials the ledger issues are valid AchievementCredentials by the
// official schema; credentials missing what it requires are not.
func TestOfficialSchema(t *testing.T) {
	s := obSchema(t)
	for name, key := range map[string]func(*testing.T) testKey{
		"ES256": func(t *testing.T) testKey { return newTestKey(t, logName) },
		"RS256": func(t *testing.T) testKey { return newTestKey(t, logName).withRSA(t) },
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, key(t))
			for _, spec := range []claimSpec{claimA(), claimB(), claimX()} {
				if err := validatePayload(t, s, f.issue(t, f.claim(t, spec))); err != nil {
					t.Errorf("credential of %s on %s: %v", spec.learner, spec.standard.ID, err)
				}
			}
		})
	}
	t.Run("broken credentials fail", func(t *testing.T) {
		f := newFixture(t, newTestKey(t, logName))
		good := payloadOf(t, f.issue(t, f.claim(t, claimA())))
		for name, change := range map[string]func(*credentialJSON){
			"no validFrom":                     func(c *credentialJSON) { c.ValidFrom = "" },
			"identifier not an IdentityObject": func(c *credentialJSON) { c.CredentialSubject.Identifier[0].Type = "Identity" },
			"alignment of no type":             func(c *credentialJSON) { c.CredentialSubject.Achievement.Alignment[0].TargetType = "Standard" },
			"no OB type":                       func(c *credentialJSON) { c.Type = []string{typeVC} },
		} {
			c := good
			c.CredentialSubject.Identifier = append([]identityObjectJSON(nil), good.CredentialSubject.Identifier...)
			c.CredentialSubject.Achievement.Alignment = append([]alignmentJSON(nil), good.CredentialSubject.Achievement.Alignment...)
			change(&c)
			if err := validatePayload(t, s, signCred(t, c, f.key.iss)); err == nil {
				t.Errorf("%s: valid by the schema", name)
			}
		}
	})
}
