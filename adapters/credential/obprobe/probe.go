// Package obprobe applies, in Go, the rules of 1EdTech's OB 3.0 validator
// (github.com/1EdTech/digital-credentials-public-validator, the probes of
// OB30Inspector and BitstringStatusListCredentialInspector) to a VC-JWT, so
// that the ledger's tests hold its credentials to the validator's rules
// without a JVM. Each Result names the probe whose rule it applies;
// docs/trust.md lists them and the validator's commit.
//
// # Caveats
//
// JsonLDValidationProbe runs a full JSON-LD expansion in safe mode; Terms
// applies its rule that every property be a defined term, from the
// validator's own copies of the contexts (contexts/), node by node, with a
// node's own type-scoped context: not a JSON-LD processor. JsonSchemasProbe
// is the schema test in package credential. The package does no I/O: the
// caller passes a fetch for the status list.
package obprobe

import (
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Result is one probe's verdict.
type Result struct {
	Probe string
	OK    bool
	Msg   string
}

// Fetch returns the body at url (the status list credential).
type Fetch func(url string) ([]byte, error)

//go:embed contexts/credentials-v2.jsonld
var contextVC []byte

//go:embed contexts/ob-v3p0-3.0.3.json
var contextOB []byte

// Run applies every rule to jwt as OB30Inspector orders its probes, at
// time now. fetch reads the status list credential the credential names.
func Run(jwt string, now time.Time, fetch Fetch) []Result {
	var out []Result
	add := func(probe string, err error) bool {
		r := Result{Probe: probe, OK: err == nil}
		if err != nil {
			r.Msg = err.Error()
		}
		out = append(out, r)
		return err == nil
	}
	cred, err := parse(jwt)
	if !add("CredentialParseProbe", err) {
		return out
	}
	add("JsonLDValidationProbe", Terms(cred))
	add("ContextPropertyProbe", contextProbe(cred, []string{
		"https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}))
	add("TypePropertyProbe", typeProbe(cred, []string{"OpenBadgeCredential", "AchievementCredential"}))
	add("InlineJsonSchemaProbe", inlineSchemaProbe(cred))
	add("CredentialSubjectProbe", subjectProbe(cred, "AchievementSubject", true, true))
	add("EvidenceProbe", evidenceProbe(cred))
	add("IssuerProbe", issuerProbe(cred))
	add("ExternalProofProbe", ExternalProof(jwt, now))
	add("RevocationListProbe", revocationProbe(cred, now, fetch))
	add("ExpirationProbe", expirationProbe(cred, now))
	add("IssuanceProbe", issuanceProbe(cred, now))
	return out
}

// parse is CredentialParseProbe on a JWT (PayloadParser.fromJwt): three
// parts, the payload a JSON object, the credential its "vc" claim or, with
// none, the whole payload (JWT_ALLOW_WHOLE_PAYLOAD).
func parse(jwt string) (map[string]any, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("invalid jwt")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("payload: %v", err)
	}
	var payload map[string]any
	if err := json.Unmarshal(raw, &payload); err != nil {
		return nil, fmt.Errorf("payload: %v", err)
	}
	if vc, ok := payload["vc"].(map[string]any); ok {
		return vc, nil
	}
	return payload, nil
}

func strs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func nodes(v any) []map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return []map[string]any{v}
	case []any:
		var out []map[string]any
		for _, x := range v {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// contextProbe: each required context at its position (exact, or OB's
// versioned pattern context(-d.d.d)*.json).
func contextProbe(cred map[string]any, want []string) error {
	ctx, _ := cred["@context"].([]any)
	for i, uri := range want {
		if i >= len(ctx) {
			return fmt.Errorf("missing required @context uri %s at position %d", uri, i+1)
		}
		got, _ := ctx[i].(string)
		if got != uri && !(strings.HasPrefix(uri, "https://purl.imsglobal.org/spec/ob/v3p0/context") &&
			strings.HasPrefix(got, "https://purl.imsglobal.org/spec/ob/v3p0/context") && strings.HasSuffix(got, ".json")) {
			return fmt.Errorf("missing required @context uri %s at position %d", uri, i+1)
		}
	}
	return nil
}

// typeProbe: type holds VerifiableCredential and one of allowed.
func typeProbe(cred map[string]any, allowed []string) error {
	types := strs(cred["type"])
	if !slices.Contains(types, "VerifiableCredential") {
		return fmt.Errorf("the type property does not contain the entry 'VerifiableCredential'")
	}
	if !slices.ContainsFunc(types, func(t string) bool { return slices.Contains(allowed, t) }) {
		return fmt.Errorf("the type property does not contain one of %v", allowed)
	}
	return nil
}

// inlineSchemaProbe: every credentialSchema entry must be one the
// validator can load; the ledger names none, and a credential with one is
// reported so that the test notices it.
func inlineSchemaProbe(cred map[string]any) error {
	if cred["credentialSchema"] != nil {
		return fmt.Errorf("credentialSchema present: check it against its schema")
	}
	return nil
}

// subjectProbe is CredentialSubjectProbe(requiredType, achievementRequired,
// identifierRequired).
func subjectProbe(cred map[string]any, requiredType string, achievementRequired, identifierRequired bool) error {
	s, ok := cred["credentialSubject"].(map[string]any)
	if !ok {
		return fmt.Errorf("no credentialSubject node found")
	}
	if !slices.Contains(strs(s["type"]), requiredType) {
		return fmt.Errorf("credentialSubject is not of type %q", requiredType)
	}
	id, _ := s["id"].(string)
	if identifierRequired && strings.TrimSpace(id) == "" && len(nodes(s["identifier"])) == 0 {
		return fmt.Errorf("no id in credentialSubject")
	}
	for _, i := range nodes(s["identifier"]) {
		if !slices.Contains(strs(i["type"]), "IdentityObject") {
			return fmt.Errorf("identifier in credentialSubject is not of type \"IdentityObject\"")
		}
	}
	for _, r := range nodes(s["result"]) {
		if !slices.Contains(strs(r["type"]), "Result") {
			return fmt.Errorf("result in credentialSubject is not of type \"Result\"")
		}
	}
	if a, ok := s["achievement"].(map[string]any); ok {
		for _, d := range nodes(a["resultDescription"]) {
			if !slices.Contains(strs(d["type"]), "ResultDescription") {
				return fmt.Errorf("resultDescription in achievement of credentialSubject is not of type \"ResultDescription\"")
			}
		}
		c, _ := a["criteria"].(map[string]any)
		if c == nil || c["id"] == nil && c["narrative"] == nil {
			return fmt.Errorf("criteria in achievement of credentialSubject must have id or narrative")
		}
	} else if achievementRequired {
		return fmt.Errorf("missing required achievement in credentialSubject")
	}
	if src, ok := s["source"].(map[string]any); ok && !slices.Contains(strs(src["type"]), "Profile") {
		return fmt.Errorf("source in credentialSubject is not of type \"Profile\"")
	}
	return nil
}

func evidenceProbe(cred map[string]any) error {
	for _, e := range nodes(cred["evidence"]) {
		if !slices.Contains(strs(e["type"]), "Evidence") {
			return fmt.Errorf("evidence is not of type \"Evidence\"")
		}
	}
	return nil
}

// issuerProbe: a Profile; otherIdentifier entries IdentifierEntry;
// parentOrg a Profile. (Its url check needs the network; the ledger's
// issuer has no url.)
func issuerProbe(cred map[string]any) error {
	iss, ok := cred["issuer"].(map[string]any)
	if !ok {
		return fmt.Errorf("no issuer node found")
	}
	if !slices.Contains(strs(iss["type"]), "Profile") {
		return fmt.Errorf("issuer is not of type \"Profile\"")
	}
	if iss["url"] != nil {
		return fmt.Errorf("issuer.url present: the validator fetches it")
	}
	for _, o := range nodes(iss["otherIdentifier"]) {
		if !slices.Contains(strs(o["type"]), "IdentifierEntry") {
			return fmt.Errorf("otherIdentifier in issuer is not of type \"IdentifierEntry\"")
		}
	}
	if p, ok := iss["parentOrg"].(map[string]any); ok && !slices.Contains(strs(p["type"]), "Profile") {
		return fmt.Errorf("parentOrg in issuer is not of type \"Profile\"")
	}
	return nil
}

// ExternalProof is ExternalProofProbe: alg RS256 or ES256; the key in jwk
// (kid is a URL or DID to resolve, which the ledger does not use): RSA, or
// EC on P-256; the signature verifies; and the JWT's time claims hold as
// auth0's JWTVerifier checks them (exp not passed, nbf and iat not ahead).
func ExternalProof(jwt string, now time.Time) error {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return fmt.Errorf("invalid jwt")
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return fmt.Errorf("header: %v", err)
	}
	var header struct {
		Alg string           `json:"alg"`
		JWK *json.RawMessage `json:"jwk"`
		Kid *string          `json:"kid"`
	}
	if err := json.Unmarshal(raw, &header); err != nil {
		return fmt.Errorf("header: %v", err)
	}
	if header.Alg != "RS256" && header.Alg != "ES256" {
		return fmt.Errorf("alg must be present and must be either 'RS256' or 'ES256'")
	}
	if header.JWK == nil {
		return fmt.Errorf("key must be present in jwk (a kid would be resolved over the network)")
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON(*header.JWK); err != nil {
		return fmt.Errorf("jwk: %v", err)
	}
	switch k := jwk.Key.(type) {
	case *rsa.PublicKey:
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return fmt.Errorf("unsupported curve")
		}
	default:
		return fmt.Errorf("unsupported key type: %T", jwk.Key)
	}
	obj, err := jose.ParseSigned(jwt, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(header.Alg)})
	if err != nil {
		return fmt.Errorf("JWT Algorithm mismatch: %v", err)
	}
	payload, err := obj.Verify(jwk.Key)
	if err != nil {
		return fmt.Errorf("JWT Invalid signature")
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return fmt.Errorf("payload: %v", err)
	}
	at := func(name string) (time.Time, bool, error) {
		v, ok := claims[name]
		if !ok {
			return time.Time{}, false, nil
		}
		n, ok := v.(float64)
		if !ok {
			return time.Time{}, true, fmt.Errorf("JWT, one or more claims are invalid: %s is not a number", name)
		}
		return time.Unix(int64(n), 0), true, nil
	}
	for _, c := range []string{"exp", "nbf", "iat"} {
		t, ok, err := at(c)
		switch {
		case err != nil:
			return err
		case !ok:
		case c == "exp" && !now.Before(t):
			return fmt.Errorf("JWT Token expired")
		case c != "exp" && now.Before(t):
			return fmt.Errorf("JWT, one or more claims are invalid: %s is in the future", c)
		}
	}
	return nil
}

// revocationProbe is RevocationListProbe: for a BitstringStatusListEntry
// with statusPurpose revocation, BitstringStatusListProbe.
func revocationProbe(cred map[string]any, now time.Time, fetch Fetch) error {
	for _, st := range nodes(cred["credentialStatus"]) {
		if slices.Contains(strs(st["type"]), "BitstringStatusListEntry") && st["statusPurpose"] == "revocation" {
			if err := bitstringStatus(st, now, fetch); err != nil {
				return err
			}
		}
	}
	return nil
}

// bitstringStatus follows BitstringStatusListProbe: fetch the list,
// inspect it as BitstringStatusListCredentialInspector does, then match
// the purpose, expand the list (multibase, gzip), require 131,072 entries
// and test the bit (MSB first).
func bitstringStatus(st map[string]any, now time.Time, fetch Fetch) error {
	url, _ := st["statusListCredential"].(string)
	if url == "" {
		return fmt.Errorf("statusListCredential is not a valid URI")
	}
	body, err := fetch(url)
	if err != nil {
		return fmt.Errorf("fetch %s: %v", url, err)
	}
	list := strings.TrimSpace(string(body))
	lc, err := parse(list)
	if err != nil {
		return fmt.Errorf("status list: CredentialParseProbe: %v", err)
	}
	if err := contextProbe(lc, []string{"https://www.w3.org/ns/credentials/v2"}); err != nil {
		return fmt.Errorf("status list: ContextPropertyProbe: %v", err)
	}
	if err := typeProbe(lc, []string{"BitstringStatusListCredential"}); err != nil {
		return fmt.Errorf("status list: TypePropertyProbe: %v", err)
	}
	if err := subjectProbe(lc, "BitstringStatusList", false, false); err != nil {
		return fmt.Errorf("status list: CredentialSubjectProbe: %v", err)
	}
	if err := ExternalProof(list, now); err != nil {
		return fmt.Errorf("status list: ExternalProofProbe: %v", err)
	}
	subj, _ := lc["credentialSubject"].(map[string]any)
	if strings.TrimSpace(fmt.Sprint(subj["statusPurpose"])) != strings.TrimSpace(fmt.Sprint(st["statusPurpose"])) {
		return fmt.Errorf("statusPurpose mismatch")
	}
	enc, _ := subj["encodedList"].(string)
	if enc == "" {
		return fmt.Errorf("encodedList is empty")
	}
	size := 1
	if v, ok := st["statusSize"].(float64); ok {
		size = int(v)
	}
	b64, ok := strings.CutPrefix(enc, "u")
	if !ok {
		return fmt.Errorf("encodedList is not multibase base64url")
	}
	gz, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return fmt.Errorf("Error expanding bitstring: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return fmt.Errorf("Error expanding bitstring: %v", err)
	}
	bits, err := io.ReadAll(zr)
	if err != nil {
		return fmt.Errorf("Error expanding bitstring: %v", err)
	}
	if len(bits)*8/size < 131072 {
		return fmt.Errorf("revocation bitstring length is less than minimumNumberOfEntries")
	}
	idx, err := strconv.Atoi(fmt.Sprint(st["statusListIndex"]))
	if err != nil {
		return fmt.Errorf("statusListIndex: %v", err)
	}
	i := idx * size
	if i >= len(bits)*8 {
		return fmt.Errorf("credentialIndex multiplied by the size is a value outside of the range of the bitstring")
	}
	if bits[i/8]&(0x80>>(i%8)) != 0 {
		return fmt.Errorf("Credential has been revoked")
	}
	return nil
}

// expirationProbe: validUntil (VC 2.0's expiry) not before now.
func expirationProbe(cred map[string]any, now time.Time) error {
	s, ok := cred["validUntil"].(string)
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("Error while checking expirationDate or validUntil: %v", err)
	}
	if now.After(t) {
		return fmt.Errorf("The credential has expired (validUntil was %s)", s)
	}
	return nil
}

// issuanceProbe: validFrom (VC 2.0's issuance) not after now.
func issuanceProbe(cred map[string]any, now time.Time) error {
	s, ok := cred["validFrom"].(string)
	if !ok {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fmt.Errorf("Error while checking issuanceDate or validFrom: %v", err)
	}
	if t.After(now) {
		return fmt.Errorf("The credential is not yet issued or valid (validFrom is %s)", s)
	}
	return nil
}
