package httpapi

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"

	"github.com/google/uuid"
)

// A write's answer, written by hand, is byte for byte what writeJSON writes
// for it; a string that would need escaping is left to writeJSON.
func FuzzWriteResultJSON(f *testing.F) {
	f.Add("learner-l-0001", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", uint64(0), uint64(1))
	f.Add("standard-math-6-rp-1", "", uint64(math.MaxUint64), uint64(math.MaxUint64))
	f.Add(`a"b`, `c\d`, uint64(3), uint64(4))
	f.Add("<&>\u2028\x7f\x00é", "\t", uint64(5), uint64(6))
	f.Fuzz(func(t *testing.T, stream, hash string, revision, position uint64) {
		res := WriteResult{EventID: uuid.NewSHA1(uuid.NameSpaceURL, []byte(stream)), Stream: stream, Revision: revision, Position: position, Hash: hash}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(res); err != nil {
			t.Fatal(err)
		}
		got, ok := res.appendJSON(nil)
		if !ok {
			if plainJSON(stream) && plainJSON(hash) {
				t.Fatalf("%+v: refused plain strings", res)
			}
			return
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%+v:\n got %s\nwant %s", res, got, want.Bytes())
		}
	})
}
