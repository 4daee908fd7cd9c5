package jsonkeys_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/httpapi/jsonkeys"
)

type meta struct {
	ID    string `json:"id"`
	Actor string `json:"-"`
}

type item struct {
	Name  string `json:"name"`
	Score int    `json:"score,omitempty"`
}

type doc struct {
	meta
	Title string            `json:"title"`
	Items []item            `json:"items"`
	Tags  map[string][]item `json:"tags"`
	Extra json.RawMessage   `json:"extra"`
	Any   any               `json:"any"`
	Plain int
}

func TestStrict(t *testing.T) {
	many := make([]string, 40)
	for i := range many {
		many[i] = fmt.Sprintf(`"k%d":%d`, i, i)
	}
	cases := []struct {
		name, data string
		want       *jsonkeys.Problem // nil: accepted
	}{
		{"exact names", `{"id":"a","title":"t","items":[{"name":"n","score":1}],"Plain":1}`, nil},
		{"embedded field", `{"id":"a"}`, nil},
		{"field left out", `{"Actor":"x"}`, &jsonkeys.Problem{Path: "Actor"}},
		{"case-folded key", `{"TITLE":"t"}`, &jsonkeys.Problem{Path: "TITLE"}},
		{"untagged in another case", `{"plain":1}`, &jsonkeys.Problem{Path: "plain"}},
		{"key twice", `{"title":"a","id":"b","title":"c"}`, &jsonkeys.Problem{Path: "title", Twice: true}},
		{"escaped key twice", `{"title":"a","\u0074itle":"c"}`, &jsonkeys.Problem{Path: "title", Twice: true}},
		{"escaped exact key", `{"\u0074itle":"a"}`, nil},
		{"nested in an array", `{"items":[{"name":"a"},{"name":"b","NAME":"c"}]}`, &jsonkeys.Problem{Path: "items[1].NAME"}},
		{"nested twice in an array", `{"items":[{"name":"a"},{"name":"b","name":"c"}]}`, &jsonkeys.Problem{Path: "items[1].name", Twice: true}},
		{"map keys are free", `{"tags":{"Any Key":[{"name":"x"}]}}`, nil},
		{"map values are checked", `{"tags":{"k":[{"nom":"x"}]}}`, &jsonkeys.Problem{Path: "tags.k[0].nom"}},
		{"raw message is free", `{"extra":{"whatever":1,"Whatever":[{"x":1}]}}`, nil},
		{"raw message twice", `{"extra":{"a":1,"a":2}}`, &jsonkeys.Problem{Path: "extra.a", Twice: true}},
		{"interface is free", `{"any":{"b":{"c":[1,{"d":null}]}}}`, nil},
		{"strings hold no keys", `{"title":"{\"title\":1,\"title\":2}"}`, nil},
		{"many keys", `{"any":{` + strings.Join(many, ",") + "}}", nil},
		{"many keys, one twice", `{"any":{` + strings.Join(many, ",") + `,"k3":0}}`, &jsonkeys.Problem{Path: "any.k3", Twice: true}},
		{"spaces", " {\n\t\"title\" : \"t\" ,\r\n \"items\" : [ { \"name\" : \"n\" } ] } ", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := jsonkeys.Strict([]byte(c.data), reflect.TypeFor[*doc]())
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("Strict(%s) = %+v, want %+v", c.data, got, c.want)
			}
			exact := jsonkeys.Exact([]byte(c.data), reflect.TypeFor[*doc]())
			if wantExact := c.want == nil || c.want.Twice; exact != wantExact {
				t.Fatalf("Exact(%s) = %v, want %v", c.data, exact, wantExact)
			}
		})
	}
}

// On bytes that are not JSON a check stops, whatever it has read, without
// a complaint and without running past the end.
func TestMalformedStops(t *testing.T) {
	for _, data := range []string{``, `{`, `{"title"`, `{"title":`, `{"title":"a`, `[}`, `{]`, `{"a":}`, `{"items":[{"name":1,]}`,
		`{"title":"a"\`, `"\`, `{"\u00`, `{:1}`, `{"a" 1}`, `[[[[`, `}}}`, "\xff\xfe"} {
		jsonkeys.Strict([]byte(data), reflect.TypeFor[doc]())
		jsonkeys.Exact([]byte(data), reflect.TypeFor[doc]())
	}
}

// A document nested as deep as encoding/json allows is followed to the
// bottom; a deeper one is not followed at all, and Exact says so.
func TestDeepNesting(t *testing.T) {
	nest := func(depth int, inner string) []byte {
		return []byte(`{"any":` + strings.Repeat("[", depth-2) + inner + strings.Repeat("]", depth-2) + "}")
	}
	typ := reflect.TypeFor[doc]()
	p := jsonkeys.Strict(nest(10_000, `{"a":1,"a":2}`), typ)
	if want := "any" + strings.Repeat("[0]", 9_998) + ".a"; p == nil || !p.Twice || p.Path != want {
		t.Fatalf("a key twice at depth 10,000: %+v", p)
	}
	if !jsonkeys.Exact(nest(10_000, `{"a":1,"a":2}`), typ) {
		t.Fatal("Exact refuses a document 10,000 deep")
	}
	if p := jsonkeys.Strict(nest(10_001, `{"a":1,"a":2}`), typ); p != nil {
		t.Fatalf("Strict followed a document 10,001 deep: %+v", p)
	}
	if jsonkeys.Exact(nest(10_001, `{}`), typ) {
		t.Fatal("Exact vouches for a document 10,001 deep")
	}
	// Deeper than that costs no more: the walk stops at the limit.
	jsonkeys.Strict(nest(400_000, `{}`), typ)
}

func BenchmarkStrict(b *testing.B) {
	data := []byte(`{"id":"a","title":"explained the ratio table","items":[{"name":"n","score":1},{"name":"m"}],"Plain":1}`)
	b.ReportAllocs()
	for b.Loop() {
		if p := jsonkeys.Strict(data, reflect.TypeFor[*doc]()); p != nil {
			b.Fatal(p)
		}
	}
}
