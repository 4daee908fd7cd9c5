// Package jsonkeys reads the keys of a JSON document against the Go type it
// is decoded into, without decoding it. encoding/json matches a key to a
// field case-insensitively and lets a key given twice overwrite the first;
// the ledger's strict readers refuse both, and this package finds them.
//
// It reads the bytes directly, in one pass that allocates nothing for plain
// ASCII keys, because it runs on every write and every decoded event: a walk
// with json.Decoder.Token allocated for every token. A key with escapes or
// non-ASCII bytes is unquoted by encoding/json, so it means what the decoder
// reads.
//
// # Caveats
//
// It does not validate: on bytes that are not one valid JSON value it stops
// somewhere without a complaint, and the decoder must refuse them. Nor does
// it follow a document nested deeper than encoding/json's limit of 10,000,
// which the decoder refuses too: Strict finds nothing there, and Exact
// reports false. A field's
// JSON names follow encoding/json's tags, with a field of the struct itself
// winning over an embedded struct's and the first embedded struct winning
// over later ones; encoding/json drops names that two embedded structs at
// the same depth both claim, which no ledger type has.
package jsonkeys

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// Problem is the first key a check refuses.
type Problem struct {
	// Path names the key: "standardId", "artifact.URI", "items[1].itemId".
	Path string
	// Twice is set for a key given twice in its object; otherwise the key
	// names no field of the struct, or names one in another letter case.
	Twice bool
}

// Strict returns the first key in data that is given twice in its object,
// or that is in a struct's place and names none of its fields exactly; nil
// if there is none.
func Strict(data []byte, t reflect.Type) *Problem {
	w := walker{data: data, dups: true}
	p := w.value(t)
	if p == nil {
		return nil
	}
	return &Problem{Path: p.path(), Twice: p.twice}
}

// Exact reports whether every key in data that is in a struct's place
// names one of its fields exactly. Then encoding/json, which knows the same
// names, finds no unknown field, and needs no case-insensitive match.
func Exact(data []byte, t reflect.Type) bool {
	w := walker{data: data}
	return w.value(t) == nil && !w.deep
}

// maxDepth is how deep a document may nest, as encoding/json allows.
const maxDepth = 10_000

// walker is a check's position in the document.
type walker struct {
	data  []byte
	pos   int
	dups  bool // refuse a key given twice
	depth int  // objects and arrays open at pos
	deep  bool // the document nests deeper than maxDepth: not followed
}

// problem is a refused key, with its path gathered on the way back up, so
// that nothing is spent on paths until a key is refused.
type problem struct {
	twice bool
	up    []segment // from the key to the document's top
}

// segment is a step of a path: an object's key or an array's index.
type segment struct {
	key     []byte
	index   int
	element bool // an array's element, not an object's member
}

func (p *problem) path() string {
	var b strings.Builder
	for i := len(p.up) - 1; i >= 0; i-- {
		switch s := p.up[i]; {
		case s.element:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.Write(s.key)
		}
	}
	return b.String()
}

// smallObject is how many keys an object may have before the walker
// remembers them in a map instead of comparing each with every other.
const smallObject = 8

func (w *walker) value(t reflect.Type) *problem {
	w.space()
	if w.pos >= len(w.data) {
		return nil
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch w.data[w.pos] {
	case '{', '[':
		if w.depth++; w.depth > maxDepth {
			w.deep, w.pos = true, len(w.data) // stop here
			return nil
		}
		defer func() { w.depth-- }()
		if w.data[w.pos] == '{' {
			return w.object(t)
		}
		return w.array(t)
	case '"':
		w.skipString()
	default:
		start := w.pos
		if w.skipScalar(); w.pos == start {
			w.pos = len(w.data) // not a value: stop here
		}
	}
	return nil
}

func (w *walker) object(t reflect.Type) *problem {
	w.pos++ // '{'
	var (
		fieldBuf [16]field
		fields   []field
		isStruct = t != nil && t.Kind() == reflect.Struct
	)
	if isStruct {
		fields = appendFields(fieldBuf[:0], t)
	}
	var (
		seenBuf [smallObject][]byte
		seen    = seenBuf[:0]
		seenMap map[string]bool
	)
	for {
		w.space()
		if w.pos >= len(w.data) {
			return nil
		}
		switch w.data[w.pos] {
		case '}':
			w.pos++
			return nil
		case ',':
			w.pos++
			continue
		case '"':
		default:
			return nil
		}
		key, ok := w.key()
		if !ok {
			return nil
		}
		w.space()
		if w.pos >= len(w.data) || w.data[w.pos] != ':' {
			return nil
		}
		w.pos++

		if w.dups {
			dup := false
			if seenMap != nil {
				dup = seenMap[string(key)]
				seenMap[string(key)] = true
			} else {
				for _, k := range seen {
					dup = dup || bytes.Equal(k, key)
				}
				if seen = append(seen, key); len(seen) > smallObject {
					seenMap = make(map[string]bool, 4*smallObject)
					for _, k := range seen {
						seenMap[string(k)] = true
					}
				}
			}
			if dup {
				return &problem{twice: true, up: []segment{{key: key}}}
			}
		}
		var ft reflect.Type
		switch {
		case isStruct:
			f, ok := lookup(fields, key)
			if !ok {
				return &problem{up: []segment{{key: key}}}
			}
			ft = f
		case t != nil && t.Kind() == reflect.Map:
			ft = t.Elem()
		}
		if p := w.value(ft); p != nil {
			p.up = append(p.up, segment{key: key})
			return p
		}
	}
}

func (w *walker) array(t reflect.Type) *problem {
	w.pos++ // '['
	var et reflect.Type
	if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
		et = t.Elem()
	}
	for i := 0; ; {
		w.space()
		if w.pos >= len(w.data) {
			return nil
		}
		switch w.data[w.pos] {
		case ']':
			w.pos++
			return nil
		case ',':
			w.pos++
			continue
		}
		if p := w.value(et); p != nil {
			p.up = append(p.up, segment{element: true, index: i})
			return p
		}
		i++
	}
}

// key reads the object key at w.pos (a '"') as encoding/json decodes it.
// A plain ASCII key is returned in place.
func (w *walker) key() ([]byte, bool) {
	start := w.pos
	plain := true
	w.pos++
	for w.pos < len(w.data) {
		switch c := w.data[w.pos]; {
		case c == '"':
			w.pos++
			if plain {
				return w.data[start+1 : w.pos-1], true
			}
			var s string
			if err := json.Unmarshal(w.data[start:w.pos], &s); err != nil {
				return nil, false
			}
			return []byte(s), true
		case c == '\\':
			plain = false
			w.pos += 2
		case c >= 0x80:
			plain = false
			w.pos++
		default:
			w.pos++
		}
	}
	return nil, false
}

func (w *walker) skipString() {
	for w.pos++; w.pos < len(w.data); w.pos++ {
		switch w.data[w.pos] {
		case '\\':
			w.pos++
		case '"':
			w.pos++
			return
		}
	}
}

// skipScalar passes a number, true, false or null.
func (w *walker) skipScalar() {
	for ; w.pos < len(w.data); w.pos++ {
		switch w.data[w.pos] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return
		}
	}
}

func (w *walker) space() {
	for ; w.pos < len(w.data); w.pos++ {
		switch w.data[w.pos] {
		case ' ', '\t', '\r', '\n':
		default:
			return
		}
	}
}

// field is a struct's JSON name and the type it decodes into.
type field struct {
	name string
	typ  reflect.Type
}

// appendFields appends a struct's JSON names, embedded structs' included,
// to dst, each once: a field of the struct itself wins over an embedded
// struct's, and the first embedded struct that has a name wins over later
// ones. A slice on the caller's stack does, where a map would be allocated
// for every object of every document.
func appendFields(dst []field, t reflect.Type) []field {
	if t == nil || t.Kind() != reflect.Struct {
		return dst
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
			// The embedded names are unique among themselves; keep those
			// not taken yet. kept never overtakes the entry it reads.
			start := len(dst)
			dst = appendFields(dst, et)
			kept := dst[:start]
			for _, e := range dst[start:] {
				if index(dst[:start], e.name) < 0 {
					kept = append(kept, e)
				}
			}
			dst = kept
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if j := index(dst, name); j >= 0 {
			dst[j].typ = f.Type
		} else {
			dst = append(dst, field{name: name, typ: f.Type})
		}
	}
	return dst
}

func lookup(fields []field, key []byte) (reflect.Type, bool) {
	for _, f := range fields {
		if f.name == string(key) {
			return f.typ, true
		}
	}
	return nil, false
}

func index(fields []field, name string) int {
	for j, f := range fields {
		if f.name == name {
			return j
		}
	}
	return -1
}
