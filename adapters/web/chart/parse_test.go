package chart_test

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/adapters/web/chart"
)

func ptr(f float64) *float64 { return &f }

// node is one element of a parsed SVG, in document order.
type node struct {
	name string
	attr map[string]string
	text string
}

func (n node) class(c string) bool {
	return strings.Contains(" "+n.attr["class"]+" ", " "+c+" ")
}

// parseSVG parses s as XML, failing the test if it is not well-formed.
func parseSVG(t *testing.T, s string) []node {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	d.Strict = true
	var nodes []node
	var open []int
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v\n%s", err, s)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := node{name: tok.Name.Local, attr: map[string]string{}}
			for _, a := range tok.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			open = append(open, len(nodes))
			nodes = append(nodes, n)
		case xml.EndElement:
			open = open[:len(open)-1]
		case xml.CharData:
			if len(open) > 0 {
				nodes[open[len(open)-1]].text += string(tok)
			}
		}
	}
	if len(nodes) == 0 || nodes[0].name != "svg" {
		t.Fatalf("the document is not an <svg>: %s", s)
	}
	return nodes
}

// texts are the contents of the <text> elements of a class, in order.
func texts(nodes []node, class string) []string {
	var out []string
	for _, n := range nodes {
		if n.name == "text" && n.class(class) {
			out = append(out, n.text)
		}
	}
	return out
}

func elems(nodes []node, name, class string) []node {
	var out []node
	for _, n := range nodes {
		if n.name == name && n.class(class) {
			out = append(out, n)
		}
	}
	return out
}

func attrNum(t *testing.T, n node, a string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr[a], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.name, a, n.attr[a], err)
	}
	return v
}

// checkSVG checks what every chart must be: well-formed, an image named by
// its title and desc, scalable, with no style attribute or element, no
// script, and each id once. It returns the ids.
func checkSVG(t *testing.T, f chart.Figure) []string {
	t.Helper()
	nodes := parseSVG(t, string(f.SVG))
	root := nodes[0]
	if root.attr["role"] != "img" {
		t.Errorf("%s: role=%q, want img", f.ID, root.attr["role"])
	}
	if root.attr["viewBox"] == "" {
		t.Errorf("%s: no viewBox", f.ID)
	}
	if root.attr["width"] != "" || root.attr["height"] != "" {
		t.Errorf("%s: a fixed width or height keeps the chart from scaling", f.ID)
	}
	if got, want := root.attr["aria-labelledby"], f.ID+"-title "+f.ID+"-desc"; got != want {
		t.Errorf("%s: aria-labelledby=%q, want %q", f.ID, got, want)
	}
	ids := map[string]node{}
	var list []string
	for _, n := range nodes {
		for a := range n.attr {
			if a == "style" || strings.HasPrefix(a, "on") {
				t.Errorf("%s: <%s> has a %s attribute, which the page's policy refuses", f.ID, n.name, a)
			}
		}
		switch n.name {
		case "style", "script", "foreignObject", "a", "image":
			t.Errorf("%s: a <%s> element", f.ID, n.name)
		}
		if id, ok := n.attr["id"]; ok {
			if _, dup := ids[id]; dup {
				t.Errorf("%s: id %q twice", f.ID, id)
			}
			ids[id] = n
			list = append(list, id)
		}
	}
	for _, want := range []string{"title", "desc"} {
		n, ok := ids[f.ID+"-"+want]
		if !ok || n.name != want || strings.TrimSpace(n.text) == "" {
			t.Errorf("%s: no non-empty <%s id=%q>", f.ID, want, f.ID+"-"+want)
		}
	}
	if nodes[1].name != "title" || nodes[2].name != "desc" {
		t.Errorf("%s: <title> and <desc> must come first in the <svg>", f.ID)
	}
	return list
}
