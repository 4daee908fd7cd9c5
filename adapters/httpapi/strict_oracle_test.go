package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// FuzzCheckKeys holds checkKeys, which reads bytes, to the walk it replaced:
// json.Decoder.Token over the same document, with the struct's fields in a
// map. On every valid JSON document (checkKeys only ever sees those) and
// every type, both refuse the same key with the same message, or neither
// does.
func FuzzCheckKeys(f *testing.F) {
	for _, s := range fzSeeds() {
		f.Add([]byte(s))
	}
	for _, s := range []string{
		`{"STANDARDID":"s1","componentId":"c1","level":3,"source":"teacher"}`,
		`{"standardId":"s1","standardId":"s2"}`,
		`{"standardId":"s1","\u0073tandardId":"s2"}`,
		`{"st\u00e4ndardId":"s1"}`,
		"{\"standardId\":\"s1\",\"artifact\":{\"uri\":\"x\",\"URI\":\"y\"}}",
		`{"items":[{"itemId":"q1","score":4},{"itemId":"q2","ITEMID":"q3"}]}`,
		`{"components":[{"id":"c1"},{"id":"c2","id":"c3"}]}`,
		`{"a":{"b":[1,{"c":1,"c":2}]}}`,
		`{"interests":["a","b"],"displayName":"x","displayName":"y"}`,
		`{"eventId":"7f3c2a8e-4b1d-4c6e-9a0f-2d5e8b1c3a47","occurredAt":"2026-09-01T09:00:00Z","Outer":1,"inner":2}`,
		`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k3":3}`,
	} {
		f.Add([]byte(s))
	}
	types := []reflect.Type{
		reflect.TypeFor[*domain.RecordEvidence](),
		reflect.TypeFor[*domain.PublishStandard](),
		reflect.TypeFor[*domain.RecordEfficacySurvey](),
		reflect.TypeFor[*domain.UpdateProfile](),
		reflect.TypeFor[*domain.GiveFeedback](),
		reflect.TypeFor[*oracleEmbedding](),
		reflect.TypeFor[*map[string][]domain.Component](),
		reflect.TypeFor[*any](),
		nil,
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		for _, typ := range types {
			got, want := checkKeys(data, typ), tokenCheckKeys(data, typ)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%v on %q: checkKeys says %v, the token walk %v", typ, data, got, want)
			}
		}
	})
}

// oracleEmbedding has the embedding cases of the name rules: an outer field
// over an embedded one, the first of two embedded structs, a tagged embedded
// struct, a pointer to one and a field left out.
type oracleEmbedding struct {
	oracleInner
	Outer  int `json:"inner"`
	Second oracleInner
	*oracleOther
	Named oracleOther `json:"named"`
	Skip  int         `json:"-"`
	Dash  int         `json:"-,"`
	lower int
}

type oracleInner struct {
	Inner int    `json:"inner"`
	Only  string `json:"only"`
	Outer int
}

type oracleOther struct {
	Only  int `json:"only"`
	Other int `json:"other"`
}

var _ = oracleEmbedding{}.lower

// FuzzDecodeJSON holds decodeJSON, which decodes most bodies with
// json.Unmarshal after checking their keys, to the decoding it replaced: a
// json.Decoder with DisallowUnknownFields, then the key walk. For every
// body and every command, both give the same command or the same error.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range fzSeeds() {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"standardId":"s1","componentId":"c1","level":3,"source":"teacher","Note":"x"}`))
	f.Add([]byte(`{"standardId":"s1","componentId":"c1","level":3.5,"source":"teacher","note":"x"}`))
	f.Add([]byte(`{"standardId":"s1","componentId":"c1","level":3,"source":"teacher"}  `))
	f.Add([]byte(`{"eventId":"not-a-uuid","standardId":"s1"}`))
	f.Add([]byte(`{"occurredAt":"yesterday","standardId":"s1"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		sameDecode[domain.PublishStandard](t, body)
		sameDecode[domain.ReviseStandard](t, body)
		sameDecode[domain.RetireStandard](t, body)
		sameDecode[domain.RegisterSchool](t, body)
		sameDecode[domain.RecordEfficacySurvey](t, body)
		sameDecode[domain.EnrollLearner](t, body)
		sameDecode[domain.WithdrawLearner](t, body)
		sameDecode[domain.RecordPreAssessment](t, body)
		sameDecode[domain.RecordEvidence](t, body)
		sameDecode[domain.RetractEvidence](t, body)
		sameDecode[domain.GiveFeedback](t, body)
		sameDecode[domain.SetGoal](t, body)
		sameDecode[domain.DraftPlan](t, body)
		sameDecode[domain.AdjustPlan](t, body)
		sameDecode[domain.EvaluateGoal](t, body)
		sameDecode[domain.ReviewGoal](t, body)
		sameDecode[domain.UpdateProfile](t, body)
		sameDecode[domain.ErasePersonalData](t, body)
		sameDecode[domain.RequestReadiness](t, body)
		sameDecode[domain.AgreeReadiness](t, body)
		sameDecode[domain.RecordSummativeAttempt](t, body)
	})
}

func sameDecode[C any](t *testing.T, body []byte) {
	t.Helper()
	var got, want C
	gotErr := decodeJSON(bytes.NewReader(body), &got)
	wantErr := decoderDecodeJSON(body, &want)
	if wantErr == nil {
		// A decoded body whose strings are not Unicode text is refused
		// since (checkText, tested on its own in text_test.go).
		wantErr = checkText(body)
	}
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%T from %q: decodeJSON says %v, the decoder %v", got, body, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%T from %q: decodeJSON gives %+v, the decoder %+v", got, body, got, want)
	}
}

// decoderDecodeJSON is decodeJSON as it was, past reading the body.
func decoderDecodeJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &badRequest{Message: "the body must hold exactly one JSON object; found more after it"}
	}
	return tokenCheckKeys(raw, reflect.TypeOf(v))
}

// tokenCheckKeys is checkKeys as it was: a json.Decoder.Token walk.
func tokenCheckKeys(data []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return tokenWalk(dec, t, "")
}

func tokenWalk(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return nil
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch tok {
	case json.Delim('{'):
		fields := mapFields(t)
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil
			}
			key, _ := kt.(string)
			at := joinPath(path, key)
			if seen[key] {
				return &badRequest{Field: at, Message: "appears twice in the object"}
			}
			seen[key] = true
			var ft reflect.Type
			if t != nil && t.Kind() == reflect.Struct {
				f, ok := fields[key]
				if !ok {
					return &badRequest{Field: at, Message: "is not a field of this request (field names are case-sensitive)"}
				}
				ft = f
			} else if t != nil && t.Kind() == reflect.Map {
				ft = t.Elem()
			}
			if err := tokenWalk(dec, ft, at); err != nil {
				return err
			}
		}
		dec.Token()
	case json.Delim('['):
		var et reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			et = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := tokenWalk(dec, et, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		dec.Token()
	}
	return nil
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func mapFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	if t == nil || t.Kind() != reflect.Struct {
		return out
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" && tag == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			for k, v := range mapFields(et) {
				if _, taken := out[k]; !taken {
					out[k] = v
				}
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
