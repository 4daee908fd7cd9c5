package xapi

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

// signer makes JWS signatures with an RSA key and a self-signed
// certificate for it.
type signer struct {
	key  *rsa.PrivateKey
	cert []byte // DER
}

func newSigner(t *testing.T, name string) signer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Unix(0, 0), NotAfter: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return signer{key: key, cert: der}
}

// sign returns the compact JWS of payload with header.
func (s signer) sign(t *testing.T, header map[string]any, payload string) string {
	t.Helper()
	h, _ := json.Marshal(header)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	hash := jwsHashes[header["alg"].(string)]
	if hash == 0 {
		hash = crypto.SHA256
	}
	d := hash.New()
	d.Write([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, hash, d.Sum(nil))
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func mustObj(t *testing.T, s string) obj {
	t.Helper()
	v, err := decodeJSON([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(obj)
	normalize(o)
	return o
}

// TestCheckSignature checks what the suite does not: the signature against
// the x5c certificate, a payload that differs from the statement, and the
// differences the comparison rules ignore.
const zeroSHA = "0000000000000000000000000000000000000000000000000000000000000000"

func TestCheckSignature(t *testing.T) {
	a, b := newSigner(t, "a"), newSigner(t, "b")
	const sigDecl = `{"usageType":"` + usageSignature + `","display":{"en-US":"sig"},"contentType":"application/octet-stream","length":1,"sha2":"` + zeroSHA + `"}`
	const base = `"actor":{"mbox":"mailto:sam@example.org","name":"Sam"},"verb":{"id":"http://adlnet.gov/expapi/verbs/passed","display":{"en-US":"passed"}},"object":{"id":"https://example.org/a"}`
	const id = `"id":"0b5e4c5a-8a4b-4bb3-9a4b-4b3a4b2a1c00"`
	sent := `{` + id + `,` + base + `,"timestamp":"2026-01-02T10:00:00Z","result":{"duration":"PT1.2345S"},"attachments":[` + sigDecl + `]}`
	x5c := func(s ...signer) []string {
		var out []string
		for _, x := range s {
			out = append(out, base64.StdEncoding.EncodeToString(x.cert))
		}
		return out
	}
	cases := []struct {
		name    string
		jws     func() string
		wantErr bool
	}{
		{"RS256 with its certificate", func() string {
			return a.sign(t, map[string]any{"alg": "RS256", "x5c": x5c(a)}, `{`+id+`,`+base+`,"timestamp":"2026-01-02T10:00:00Z","result":{"duration":"PT1.23S"}}`)
		}, false},
		{"RS512, no certificate, no id, same instant in another zone", func() string {
			return a.sign(t, map[string]any{"alg": "RS512"}, `{`+base+`,"timestamp":"2026-01-02T11:00:00+01:00","result":{"duration":"PT1.239S"}}`)
		}, false},
		{"signed with another key than its certificate's", func() string {
			return b.sign(t, map[string]any{"alg": "RS256", "x5c": x5c(a)}, `{`+id+`,`+base+`,"timestamp":"2026-01-02T10:00:00Z","result":{"duration":"PT1.23S"}}`)
		}, true},
		{"a chain whose certificate is not signed by the next", func() string {
			return a.sign(t, map[string]any{"alg": "RS256", "x5c": x5c(a, b)}, `{`+id+`,`+base+`,"timestamp":"2026-01-02T10:00:00Z","result":{"duration":"PT1.23S"}}`)
		}, true},
		{"payload of another statement", func() string {
			return a.sign(t, map[string]any{"alg": "RS256", "x5c": x5c(a)}, `{`+id+`,`+base+`,"timestamp":"2026-01-02T10:00:00Z","result":{"duration":"PT1.23S","success":true}}`)
		}, true},
		{"payload with another timestamp", func() string {
			return a.sign(t, map[string]any{"alg": "RS256"}, `{`+base+`,"timestamp":"2026-01-02T10:00:01Z","result":{"duration":"PT1.23S"}}`)
		}, true},
		{"duration differing in the hundredths", func() string {
			return a.sign(t, map[string]any{"alg": "RS256"}, `{`+base+`,"timestamp":"2026-01-02T10:00:00Z","result":{"duration":"PT1.24S"}}`)
		}, true},
		{"the statement id in upper case, a language tag in another case", func() string {
			return a.sign(t, map[string]any{"alg": "RS384"}, `{"id":"0B5E4C5A-8A4B-4BB3-9A4B-4B3A4B2A1C00",`+
				strings.Replace(base, `"en-US"`, `"EN-us"`, 1)+`,"timestamp":"2026-01-02T10:00:00Z","result":{"duration":"PT1.23S"}}`)
		}, false},
		{"an activity id in another case", func() string {
			return a.sign(t, map[string]any{"alg": "RS256"}, `{`+strings.Replace(base, "example.org/a", "example.org/A", 1)+
				`,"timestamp":"2026-01-02T10:00:00Z","result":{"duration":"PT1.23S"}}`)
		}, true},
		{"algorithm none", func() string {
			return a.sign(t, map[string]any{"alg": "none"}, `{`+base+`,"timestamp":"2026-01-02T10:00:00Z","result":{"duration":"PT1.23S"}}`)
		}, true},
		{"not a compact JWS", func() string { return "eyJhbGciOiJSUzI1NiJ9.e30" }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := mustObj(t, sent)
			chk, err := checkStatement(st)
			if err != nil {
				t.Fatal(err)
			}
			err = checkSignature(chk.stmt, chk.decls[0], []byte(c.jws()), true)
			if (err != nil) != c.wantErr {
				t.Fatalf("err %v, want error %v", err, c.wantErr)
			}
			if err != nil && !errors.Is(err, ErrBadStatement) {
				t.Errorf("err %v does not wrap ErrBadStatement (a 400)", err)
			}
		})
	}
	t.Run("sent by fileUrl only", func(t *testing.T) {
		chk, err := checkStatement(mustObj(t, sent))
		if err != nil {
			t.Fatal(err)
		}
		if err := checkSignature(chk.stmt, chk.decls[0], nil, false); !errors.Is(err, ErrBadStatement) {
			t.Errorf("err %v, want a bad statement", err)
		}
	})
}

func TestTruncDuration(t *testing.T) {
	for in, want := range map[string]string{
		"P1DT12H36M0.12567S": "P1DT12H36M0.12S",
		"P1DT12H36M0.1S":     "P1DT12H36M0.1S",
		"PT1.10S":            "PT1.1S",
		"PT1.001S":           "PT1S",
		"PT5S":               "PT5S",
		"P1D":                "P1D",
	} {
		if got := truncDuration(in); got != want {
			t.Errorf("truncDuration(%q) = %q, want %q", in, got, want)
		}
	}
}
