package web_test

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
)

// checkHTML parses a page and fails for what the Content-Security-Policy
// would block or a screen reader would miss: an inline script (a script
// element is allowed only as a module loaded by src from the site, with no
// text of its own), a style element, a
// style or on* attribute, a javascript: URL, anything loaded from another
// host; and it wants <html lang>, a skip link to <main id="main">, and
// scope on every th.
func checkHTML(t *testing.T, where, page string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var lang, skip, main, inScript bool
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Errorf("%s: does not parse: %v", where, err)
			return
		}
		if cd, ok := tok.(xml.CharData); ok && inScript && strings.TrimSpace(string(cd)) != "" {
			t.Errorf("%s: an inline script: %q", where, string(cd))
		}
		if end, ok := tok.(xml.EndElement); ok && strings.EqualFold(end.Name.Local, "script") {
			inScript = false
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		name := strings.ToLower(el.Name.Local)
		attr := map[string]string{}
		for _, a := range el.Attr {
			k := strings.ToLower(a.Name.Local)
			attr[k] = a.Value
			switch {
			case k == "style":
				t.Errorf("%s: inline style on <%s>", where, name)
			case strings.HasPrefix(k, "on"):
				t.Errorf("%s: inline handler %s on <%s>", where, k, name)
			case k == "href" || k == "src" || k == "action":
				// Same site only: a path, or a fragment of this page.
				v := strings.TrimSpace(a.Value)
				if !(strings.HasPrefix(v, "#") || strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//")) {
					t.Errorf("%s: <%s %s=%q> leaves the site", where, name, k, v)
				}
			}
		}
		switch name {
		case "script":
			inScript = true
			if attr["type"] != "module" || !strings.HasPrefix(attr["src"], "/static/") {
				t.Errorf("%s: a script that is not a module from /static/: %v", where, attr)
			}
		case "style":
			t.Errorf("%s: an inline style element", where)
		case "html":
			lang = attr["lang"] != ""
		case "a":
			if attr["href"] == "#main" && attr["class"] == "skip" {
				skip = true
			}
		case "main":
			main = main || attr["id"] == "main"
		case "th":
			if attr["scope"] != "col" && attr["scope"] != "row" {
				t.Errorf("%s: <th> without scope", where)
			}
		}
	}
	if !lang {
		t.Errorf("%s: <html> has no lang", where)
	}
	if !skip || !main {
		t.Errorf("%s: no skip link to <main id=\"main\"> (skip %v, main %v)", where, skip, main)
	}
	if strings.Count(page, "<table") != strings.Count(page, "<caption") {
		t.Errorf("%s: a table without a caption", where)
	}
}
