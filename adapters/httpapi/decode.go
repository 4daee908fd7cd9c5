package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/mux"
	"github.com/masteryledger/ledger/adapters/httpapi/jsonkeys"
)

// decodeBody reads one JSON object into v, strictly: an unknown field, a
// wrong type, trailing data, an empty body or a string that is not Unicode
// text is a *badRequest naming where.
func decodeBody(r *http.Request, v any) error {
	return decodeJSON(r.Body, v)
}

// decodeOptionalBody is decodeBody for a route whose body may be left out
// (a DELETE): an empty body leaves v as it is.
func decodeOptionalBody(r *http.Request, v any) error {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return &badRequest{Message: "the body could not be read: " + err.Error()}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	return decodeJSON(bytes.NewReader(raw), v)
}

func decodeJSON(body io.Reader, v any) error {
	raw, err := io.ReadAll(body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return err
		}
		return &badRequest{Message: "the body could not be read: " + err.Error()}
	}
	// Most bodies are one valid JSON value whose keys are all exact field
	// names, each given once. For those, checking the keys first makes
	// DisallowUnknownFields moot, so json.Unmarshal decodes them alike
	// without a json.Decoder and the copy of the body it reads into.
	t := reflect.TypeOf(v)
	if jsonkeys.Strict(raw, t) == nil && json.Unmarshal(raw, v) == nil {
		return checkText(raw)
	}
	// Any other body is decoded again, from a zero value, the way that
	// names its fault: the decoder's errors first, then the keys'.
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && !rv.IsNil() {
		rv.Elem().SetZero()
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &badRequest{Message: "the body must hold exactly one JSON object; found more after it"}
	}
	if err := checkKeys(raw, t); err != nil {
		return err
	}
	// Last, so that a body with other faults hears of those first, as
	// before: this fault is in characters the decoder lets through.
	return checkText(raw)
}

// jsonError turns the decoder's error into one that names the field.
func jsonError(err error) error {
	var (
		typeErr   *json.UnmarshalTypeError
		syntaxErr *json.SyntaxError
		tooLarge  *http.MaxBytesError
		timeErr   *time.ParseError
	)
	switch {
	case errors.As(err, &tooLarge):
		return err
	case errors.Is(err, io.EOF):
		return &badRequest{Message: "the body is empty; send a JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &badRequest{Message: "the body ends in the middle of a JSON value"}
	case errors.As(err, &syntaxErr):
		return &badRequest{Message: fmt.Sprintf("malformed JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)}
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return &badRequest{Message: fmt.Sprintf("the body must be a JSON object, not %s", typeErr.Value)}
		}
		return &badRequest{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)}
	case errors.As(err, &timeErr):
		return &badRequest{Field: "occurredAt", Message: "must be an RFC 3339 time, such as 2026-09-01T09:00:00Z"}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &badRequest{Field: strings.Trim(name, `"`), Message: "is not a field of this request"}
	}
	if strings.Contains(msg, "invalid UUID") {
		return &badRequest{Message: "an id that must be a UUID is not one: " + msg}
	}
	return &badRequest{Message: "the body could not be read: " + msg}
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "uint64", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	case "array":
		return "an array or a UUID string"
	}
	return "of another type"
}

// ifMatch reads If-Match: "<revision>". Absent means nil.
func ifMatch(r *http.Request) (*uint64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return nil, nil
	}
	n, err := strconv.ParseUint(strings.Trim(h, `"`), 10, 64)
	if err != nil || !strings.HasPrefix(h, `"`) || !strings.HasSuffix(h, `"`) {
		return nil, &badRequest{Field: "If-Match", Message: `must be a quoted stream revision, such as "3"`}
	}
	return &n, nil
}

// pathID returns a path variable that must be an id.
func pathID(r *http.Request, name string) (string, error) {
	id := mux.Vars(r)[name]
	return id, checkID(name, id)
}

func pathUUID(r *http.Request, name string) (uuid.UUID, error) {
	raw := mux.Vars(r)[name]
	id, err := uuid.Parse(raw)
	if err != nil || len(raw) != 36 {
		return uuid.Nil, &badRequest{Field: name, Message: "must be a UUID such as 7f3c2a8e-4b1d-4c6e-9a0f-2d5e8b1c3a47"}
	}
	return id, nil
}

// queryTime reads an optional RFC 3339 query parameter.
func queryTime(r *http.Request, name string) (*time.Time, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return nil, &badRequest{Field: name, Message: TimeMessage}
	}
	return &t, nil
}

// queryUint reads an optional non-negative integer query parameter.
func queryUint(r *http.Request, name string, def, max uint64) (uint64, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, &badRequest{Field: name, Message: "must be a non-negative integer"}
	}
	if max > 0 && n > max {
		return 0, &badRequest{Field: name, Message: fmt.Sprintf("must be at most %d", max)}
	}
	return n, nil
}
