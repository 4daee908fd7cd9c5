package httpapi_test

import (
	"testing"
)

// A string that is not Unicode text (bytes that are not UTF-8, or half of
// a surrogate pair) is refused with a 400 naming its field, and nothing is
// written; encoding/json alone would store U+FFFD in its place.
func TestBodyTextMustBeUnicode(t *testing.T) {
	a := newAPI(t, stores[0])
	a.school()
	const l = "/v1/learners/l-0001"
	for _, c := range []struct{ name, body, field string }{
		{"lone surrogate", `{"standardId":"math-6-rp-1","componentId":"c1","level":3,"source":"teacher","note":"\ud800"}`, "note"},
		{"invalid UTF-8", "{\"standardId\":\"math-6-rp-1\",\"componentId\":\"c1\",\"level\":3,\"source\":\"teacher\",\"note\":\"caf\xe9\"}", "note"},
		{"nested", `{"standardId":"math-6-rp-1","componentId":"c1","level":3,"source":"teacher","artifact":{"uri":"https://x.example/\udc00","sha256":"` + zeros64 + `","mediaType":"application/pdf"}}`, "artifact.uri"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := a.lastPosition()
			r := a.do("POST", l+"/evidence", teacherToken, c.body)
			if r.status != 400 {
				t.Fatalf("answered %d, want 400\n%s", r.status, r.body)
			}
			if !containsField(r.json(t), c.field) {
				t.Errorf("the problem does not name %q: %s", c.field, r.body)
			}
			if a.lastPosition() != before {
				t.Error("a refused write was stored")
			}
		})
	}
	// A surrogate pair is one character, and welcome.
	a.must(201, "POST", l+"/evidence", teacherToken, `{"standardId":"math-6-rp-1","componentId":"c1","level":3,"source":"teacher","note":"\ud83d\ude00"}`)
}

const zeros64 = "0000000000000000000000000000000000000000000000000000000000000000"
