package research

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// reviewText names the members of a practice review's answer that hold the
// staff's own words (rules.go: textF in the review events).
var reviewText = []string{"practice", "intendedResult", "learned"}

// PracticeReviews is the research copy of an answer about school's
// practice reviews (projections/review): every learner id, in a scope or
// anywhere else, becomes its pseudonym, and the staff's words are left out
// unless the school shares free text. The figures are aggregates and stay.
func (v *View) PracticeReviews(schoolID string, x any) (json.RawMessage, error) {
	if v.SharesFreeText(schoolID) {
		return v.answer(x)
	}
	raw, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("research copy: encode: %w", err)
	}
	var data any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return nil, fmt.Errorf("research copy: decode: %w", err)
	}
	return v.answer(dropMembers(data, reviewText))
}

// dropMembers deletes the named members of every object in x, at any depth.
func dropMembers(x any, names []string) any {
	switch x := x.(type) {
	case map[string]any:
		for _, n := range names {
			delete(x, n)
		}
		for k, y := range x {
			x[k] = dropMembers(y, names)
		}
	case []any:
		for i, y := range x {
			x[i] = dropMembers(y, names)
		}
	}
	return x
}
