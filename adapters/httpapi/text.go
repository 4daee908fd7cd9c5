package httpapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// checkText refuses a body whose strings are not all Unicode text: bytes
// that are not UTF-8, or a \u escape of half a surrogate pair without its
// other half. encoding/json would decode both as U+FFFD, so the ledger
// would store, and hash, a character the client never sent. The error
// names the field that holds the first such string.
//
// It runs on every body the decoder accepted, so it first looks for the
// cheap sign of either (bytes that are not UTF-8, or a "\uD" escape
// anywhere), and walks the document only when it finds one.
func checkText(raw []byte) error {
	if utf8.Valid(raw) && !hasSurrogateEscape(raw) {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	// path holds, for each object or array open, the key or index that
	// names the value being read.
	type level struct {
		array bool
		key   string // an object's current key
		index int    // an array's next index
		atKey bool   // an object whose next string token is a key
	}
	var path []level
	name := func() string {
		var b strings.Builder
		for _, l := range path {
			switch {
			case l.array:
				b.WriteString("[" + strconv.Itoa(l.index-1) + "]")
			case l.key != "":
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(l.key)
			}
		}
		return b.String()
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or not JSON: the decoder says which
		}
		end := dec.InputOffset()
		var top *level
		if len(path) > 0 {
			top = &path[len(path)-1]
		}
		isKey := top != nil && !top.array && top.atKey
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				if top != nil && top.array {
					top.index++
				}
				path = append(path, level{array: d == '[', atKey: d == '{'})
			default:
				path = path[:len(path)-1]
				if len(path) > 0 && !path[len(path)-1].array {
					path[len(path)-1].atKey = true
				}
			}
			continue
		}
		if top != nil && top.array && !isKey {
			top.index++
		}
		if isKey {
			top.key, top.atKey = tok.(string), false
		} else if top != nil && !top.array {
			top.atKey = true // the value read, a key comes next
		}
		if _, ok := tok.(string); !ok {
			continue
		}
		lit := raw[start:end]
		if i := bytes.IndexByte(lit, '"'); i >= 0 {
			lit = lit[i:]
		}
		if textual(lit) {
			continue
		}
		if isKey {
			return &badRequest{Field: name(), Message: "is a key that is not valid Unicode text"}
		}
		return &badRequest{Field: name(), Message: "is not valid Unicode text: it holds bytes that are not UTF-8, or half of a surrogate pair (\\uD800 to \\uDFFF) without the other"}
	}
}

// hasSurrogateEscape reports whether raw holds "\uD" or "\ud": the start of
// an escaped surrogate, or an escaped backslash before a "uD" (a false
// alarm that only costs the walk).
func hasSurrogateEscape(raw []byte) bool {
	for {
		i := bytes.Index(raw, []byte(`\u`))
		if i < 0 || i+2 >= len(raw) {
			return false
		}
		if raw[i+2] == 'd' || raw[i+2] == 'D' {
			return true
		}
		raw = raw[i+2:]
	}
}

// textual reports whether a JSON string literal, quotes included, is UTF-8
// and pairs every surrogate escape.
func textual(lit []byte) bool {
	if !utf8.Valid(lit) {
		return false
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		i++
		if i >= len(lit) || lit[i] != 'u' {
			continue // a one-character escape, \" or \\ among them
		}
		r, ok := hex4(lit, i+1)
		if !ok {
			return true // malformed: the decoder refuses it
		}
		i += 4
		switch {
		case r >= 0xDC00 && r <= 0xDFFF:
			return false // a low half with no high half before it
		case r >= 0xD800 && r <= 0xDBFF:
			if i+6 >= len(lit) || lit[i+1] != '\\' || lit[i+2] != 'u' {
				return false
			}
			lo, ok := hex4(lit, i+3)
			if !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 6
		}
	}
	return true
}

// hex4 reads the four hex digits at lit[i:].
func hex4(lit []byte, i int) (rune, bool) {
	if i+4 > len(lit) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(lit[i:i+4]), 16, 32)
	return rune(n), err == nil
}
