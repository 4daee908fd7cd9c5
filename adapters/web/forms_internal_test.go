package web

import "testing"

// TestPartWords: an error on one entry of a list control names the line.
func TestPartWords(t *testing.T) {
	for _, c := range []struct{ field, control, want string }{
		{"components[1].id", "components", "line 2, id"},
		{"scale.levels[0].label", "scale", "levels, line 1, label"},
		{"level", "level", ""},
		{"x", "", ""},
	} {
		if got := partWords(c.field, c.control); got != c.want {
			t.Errorf("partWords(%q, %q) = %q, want %q", c.field, c.control, got, c.want)
		}
	}
}
