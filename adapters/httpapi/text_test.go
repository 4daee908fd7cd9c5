package httpapi

import (
	"errors"
	"testing"
)

// checkText names the field of the first string that is not Unicode text,
// at any depth, and lets every well-formed string through, surrogate pairs
// included.
func TestCheckTextNamesTheField(t *testing.T) {
	for _, c := range []struct {
		body  string
		field string // "" for no error
	}{
		{`{"note":"plain"}`, ""},
		{`{"note":"é ✓ 𝄞 \u00e9"}`, ""},
		{`{"note":"\ud83d\ude00 a pair"}`, ""},
		{`{"note":"\\ud800 is an escaped backslash"}`, ""},
		{`{"note":"\ufffd sent as such"}`, ""},
		{`{"note":"\ud800"}`, "note"},
		{`{"note":"\uDBFFx"}`, "note"},
		{`{"note":"\udc00 a low half alone"}`, "note"},
		{`{"note":"\ud800\u0041"}`, "note"},
		{`{"note":"\ud800\ud800"}`, "note"},
		{"{\"note\":\"a\xffb\"}", "note"},
		{"{\"note\":\"\xed\xa0\x80\"}", "note"}, // a surrogate encoded in UTF-8
		{`{"standardId":"s","artifact":{"uri":"x\ud800"}}`, "artifact.uri"},
		{`{"components":[{"id":"c1"},{"id":"c\udfff","statement":"s"}]}`, "components[1].id"},
		{`{"standardIds":["a","\ud800"]}`, "standardIds[1]"},
		{`{"a":{"b":1,"c":[true,null]},"d":"\ud800"}`, "d"},
		{`{"x":[[1,"ok"],[2,"\ud800"]]}`, "x[1][1]"},
		{"{\"\xff\":1}", "\ufffd"},
	} {
		err := checkText([]byte(c.body))
		var bad *badRequest
		switch {
		case c.field == "" && err != nil:
			t.Errorf("%q: %v, want no error", c.body, err)
		case c.field != "" && !errors.As(err, &bad):
			t.Errorf("%q: %v, want a bad request naming %q", c.body, err, c.field)
		case c.field != "" && bad.Field != c.field:
			t.Errorf("%q: names %q, want %q (%v)", c.body, bad.Field, c.field, err)
		}
	}
}
