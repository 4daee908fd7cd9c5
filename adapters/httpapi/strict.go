package httpapi

import (
	"reflect"

	"github.com/masteryledger/ledger/adapters/httpapi/jsonkeys"
)

// checkKeys walks a JSON document against the Go type it will be decoded
// into and refuses what encoding/json would let through: a key that matches
// a field only case-insensitively ("STANDARDID"), and a key given twice. The
// contract is that an unknown field is a 400 naming it, and a client that
// misspells the case of a field must hear so, not see it silently used.
func checkKeys(data []byte, t reflect.Type) error {
	p := jsonkeys.Strict(data, t)
	switch {
	case p == nil:
		return nil
	case p.Twice:
		return &badRequest{Field: p.Path, Message: "appears twice in the object"}
	}
	return &badRequest{Field: p.Path, Message: "is not a field of this request (field names are case-sensitive)"}
}
