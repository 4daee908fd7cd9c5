package obprobe

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// Terms applies JsonLDValidationProbe's rule that, in safe mode, a
// property that is no term of the active context is refused: for each
// node, its keys must be keywords, terms of the top-level contexts (VC 2.0,
// OB 3.0.3 and the credential's own inline contexts) or of the node's own
// type-scoped context. Values of a term declared "@type": "@json" are
// literals and are not entered.
func Terms(cred map[string]any) error {
	global, scoped, literal, err := contexts(cred)
	if err != nil {
		return err
	}
	var bad []string
	var walk func(path string, n map[string]any)
	walk = func(path string, n map[string]any) {
		allowed := map[string]bool{}
		for _, t := range strs(n["type"]) {
			for k := range scoped[t] {
				allowed[k] = true
			}
		}
		for k, v := range n {
			if k == "@context" || len(k) > 0 && k[0] == '@' {
				continue
			}
			if !global[k] && !allowed[k] {
				bad = append(bad, path+"."+k)
			}
			if literal[k] {
				continue
			}
			for i, c := range nodes(v) {
				walk(fmt.Sprintf("%s.%s[%d]", path, k, i), c)
			}
		}
	}
	walk("$", cred)
	if len(bad) > 0 {
		sort.Strings(bad)
		return fmt.Errorf("Error while validation JSON LD object: undefined terms %v", bad)
	}
	return nil
}

// contexts reads the top-level terms and the type-scoped contexts of the
// validator's VC 2.0 and OB 3.0.3 contexts and the credential's inline
// ones.
func contexts(cred map[string]any) (global map[string]bool, scoped map[string]map[string]bool, literal map[string]bool, err error) {
	global, scoped, literal = map[string]bool{}, map[string]map[string]bool{}, map[string]bool{}
	read := func(ctx map[string]any) {
		for k, v := range ctx {
			if len(k) > 0 && k[0] == '@' {
				continue
			}
			global[k] = true
			def, ok := v.(map[string]any)
			if !ok {
				continue
			}
			if def["@type"] == "@json" {
				literal[k] = true
			}
			if sc, ok := def["@context"].(map[string]any); ok {
				if scoped[k] == nil {
					scoped[k] = map[string]bool{}
				}
				for t := range sc {
					scoped[k][t] = true
				}
			}
		}
	}
	for _, raw := range [][]byte{contextVC, contextOB} {
		var doc struct {
			Context map[string]any `json:"@context"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, nil, nil, fmt.Errorf("context: %v", err)
		}
		read(doc.Context)
	}
	ctx, _ := cred["@context"].([]any)
	for _, c := range ctx {
		if m, ok := c.(map[string]any); ok {
			read(m)
		} else if s, ok := c.(string); ok && !slices.Contains([]string{"https://www.w3.org/ns/credentials/v2",
			"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"}, s) {
			return nil, nil, nil, fmt.Errorf("context %s is not one the probe knows", s)
		}
	}
	return global, scoped, literal, nil
}
