package xapi

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"mime"
	"regexp"
	"slices"
	"strings"

	// The hashes RS256, RS384 and RS512 name must be linked in.
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// usageSignature is the usageType of a signed statement's signature
// attachment (xAPI 2.0, Data 2.6).
const usageSignature = "http://adlnet.gov/expapi/attachments/signature"

// jwsHashes are the JWS algorithms a statement's signature may use (Data
// 2.6: RS256, RS384 or RS512) and their hashes.
var jwsHashes = map[string]crypto.Hash{"RS256": crypto.SHA256, "RS384": crypto.SHA384, "RS512": crypto.SHA512}

// checkSignature checks a signed statement's signature attachment, decl
// declared in stmt (as sent) and content its part: a JWS in compact
// serialisation, with an RSA algorithm, whose payload is stmt as it was
// before the signature was attached. If the JWS header carries an X.509
// chain (x5c), the signature must verify against its first certificate and
// each certificate must be signed by the next; without one there is no key
// to verify with and the specification asks for none.
func checkSignature(stmt obj, decl attachmentDecl, content []byte, sent bool) error {
	if mt, _, err := mime.ParseMediaType(decl.contentType); err != nil || mt != "application/octet-stream" {
		return badf("a signature attachment's contentType must be application/octet-stream, not %q", decl.contentType)
	}
	if !sent {
		return badf("a signature attachment must be sent as a part of the request, not by fileUrl")
	}
	segs := strings.Split(strings.TrimSpace(string(content)), ".")
	if len(segs) != 3 {
		return badf("the signature is not a JWS in compact serialisation")
	}
	rawHeader, err1 := b64url(segs[0])
	rawPayload, err2 := b64url(segs[1])
	sig, err3 := b64url(segs[2])
	if err1 != nil || err2 != nil || err3 != nil || len(sig) == 0 {
		return badf("the signature's JWS is not base64url")
	}
	var header struct {
		Alg string   `json:"alg"`
		X5C []string `json:"x5c"`
	}
	if err := json.Unmarshal(rawHeader, &header); err != nil {
		return badf("the signature's JWS header is not JSON: %v", err)
	}
	h, ok := jwsHashes[header.Alg]
	if !ok {
		return badf("the signature's algorithm must be RS256, RS384 or RS512, not %q", header.Alg)
	}
	if len(header.X5C) > 0 {
		if err := verifyX5C(header.X5C, h, segs[0]+"."+segs[1], sig); err != nil {
			return err
		}
	}
	v, err := decodeJSON(rawPayload)
	if err != nil {
		return badf("the signature's payload is not a JSON statement: %v", err)
	}
	signed, ok := v.(obj)
	if !ok {
		return badf("the signature's payload is not a statement")
	}
	normalize(signed)
	if !signedMatches(signed, stmt) {
		return badf("the signature's payload is not the statement sent")
	}
	return nil
}

// b64url decodes a JWS segment: base64url without padding (RFC 7515), a
// padded one tolerated.
func b64url(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// verifyX5C verifies sig of input with the key of the chain's first
// certificate, and that each certificate is signed by the next. Whether
// the chain's root is to be trusted is not the LRS's to say.
func verifyX5C(chain []string, h crypto.Hash, input string, sig []byte) error {
	certs := make([]*x509.Certificate, 0, len(chain))
	for i, c := range chain {
		der, err := base64.StdEncoding.DecodeString(c)
		if err != nil {
			return badf("the signature's x5c[%d] is not base64", i)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return badf("the signature's x5c[%d] is not an X.509 certificate: %v", i, err)
		}
		certs = append(certs, cert)
	}
	for i := 0; i+1 < len(certs); i++ {
		if err := certs[i].CheckSignatureFrom(certs[i+1]); err != nil {
			return badf("the signature's x5c[%d] is not signed by x5c[%d]: %v", i, i+1, err)
		}
	}
	pub, ok := certs[0].PublicKey.(*rsa.PublicKey)
	if !ok {
		return badf("the signature's certificate does not hold an RSA key")
	}
	d := h.New()
	d.Write([]byte(input))
	if err := rsa.VerifyPKCS1v15(pub, h, d.Sum(nil), sig); err != nil {
		return badf("the signature does not verify with its certificate")
	}
	return nil
}

// signedMatches reports whether signed, a signature's payload, is
// logically the statement sent (Data 2.6 and the statement comparison
// rules): the signature attachment itself is left out of sent;
// authority, stored and version are what an LRS sets and are ignored; id
// and timestamp, which an LRS adds when missing, are compared only if
// the signed statement has them (ids without case, timestamps as
// instants); the rest is compared by equivalent.
func signedMatches(signed, sent obj) bool {
	a, b := make(obj, len(signed)), make(obj, len(sent))
	for k, v := range signed {
		a[k] = v
	}
	for k, v := range sent {
		b[k] = v
	}
	if list, ok := b["attachments"].([]any); ok {
		list = slices.DeleteFunc(slices.Clone(list), func(v any) bool {
			o, _ := v.(obj)
			return o["usageType"] == usageSignature
		})
		if len(list) == 0 {
			delete(b, "attachments")
		} else {
			b["attachments"] = list
		}
	}
	for _, k := range []string{"authority", "stored", "version"} {
		delete(a, k)
		delete(b, k)
	}
	for _, k := range []string{"id", "timestamp"} {
		if _, ok := a[k]; !ok {
			delete(b, k)
		}
	}
	return equivalent("", a, b)
}

// equivalent compares two statement values as the statement comparison
// rules ask: numbers by value, timestamps as instants, durations to the
// hundredth of a second, UUIDs and language tags without case (IRIs with
// it), a Group's members in any order.
func equivalent(key string, a, b any) bool {
	switch x := a.(type) {
	case obj:
		y, ok := b.(obj)
		if !ok || len(x) != len(y) {
			return false
		}
		if isLangMapKey(key) {
			x, y = lowerKeys(x), lowerKeys(y)
			if len(x) != len(y) {
				return false
			}
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equivalent(k, v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		if key == "member" {
			return sameMembers(x, y)
		}
		for i := range x {
			if !equivalent(key, x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		p, ok1 := new(big.Rat).SetString(x.String())
		q, ok2 := new(big.Rat).SetString(y.String())
		return ok1 && ok2 && p.Cmp(q) == 0
	case string:
		y, ok := b.(string)
		if !ok {
			return false
		}
		switch key {
		case "timestamp", "stored":
			t, err1 := parseTimestamp(x)
			u, err2 := parseTimestamp(y)
			if err1 == nil && err2 == nil {
				return t.Equal(u)
			}
		case "duration":
			return truncDuration(x) == truncDuration(y)
		case "id", "registration":
			// A statement's or StatementRef's id is a UUID, whose hex
			// has no case; an activity's or verb's id is an IRI, which
			// has.
			if validUUID(x) && validUUID(y) {
				return strings.EqualFold(x, y)
			}
		case "language":
			return strings.EqualFold(x, y)
		}
		return x == y
	default:
		return a == b
	}
}

// isLangMapKey reports whether the member key holds a language map when
// its value is an object (an agent's or account's name is a string).
func isLangMapKey(key string) bool {
	return key == "display" || key == "name" || key == "description"
}

func lowerKeys(o obj) obj {
	out := make(obj, len(o))
	for k, v := range o {
		out[strings.ToLower(k)] = v
	}
	return out
}

// sameMembers compares a Group's members in any order.
func sameMembers(x, y []any) bool {
	used := make([]bool, len(y))
	for _, m := range x {
		found := false
		for j, n := range y {
			if !used[j] && equivalent("", m, n) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// secondsPattern is the seconds of an ISO 8601 duration, with a fraction.
var secondsPattern = regexp.MustCompile(`(\d+)\.(\d+)S$`)

// truncDuration cuts a duration's seconds to hundredths: the comparison
// rules ignore any precision beyond (Data 4.6).
func truncDuration(d string) string {
	m := secondsPattern.FindStringSubmatchIndex(d)
	if m == nil {
		return d
	}
	frac := d[m[4]:m[5]]
	if len(frac) > 2 {
		frac = frac[:2]
	}
	frac = strings.TrimRight(frac, "0")
	if frac == "" {
		return d[:m[2]] + d[m[2]:m[3]] + "S"
	}
	return d[:m[3]] + "." + frac + "S"
}
