package xapi

import (
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
)

// Activities serves GET /xapi/activities?activityId=… for p, a tool of a
// school: the Activity with the definition merged from every statement of
// the school that names it (its object, a SubStatement's object, a context
// activity), or with none if no statement defines it, as the
// specification asks (Communication 2.5). Activity ids are compared as
// simple strings (RFC 3987 5.3.1), the comparison the specification
// allows: an id is answered as it was stored.
func (rs *Resource) Activities(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	w.Header().Set("X-Experience-API-Version", Version)
	var err error
	q := r.URL.Query()
	switch {
	case !acceptedVersion(r.Header.Get("X-Experience-API-Version")):
		err = badf("send the header X-Experience-API-Version: %s", Version)
	case p.Role != domain.RoleTool || p.School == "":
		err = fmt.Errorf("only a tool of a school reads activities: %w", access.ErrForbidden)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		err = badf("method %s is not allowed on the activities resource", r.Method)
	case len(q["activityId"]) != 1:
		err = badf("GET /activities takes one activityId")
	case !iriPattern.MatchString(q.Get("activityId")):
		err = badf("activityId %q is not an IRI", q.Get("activityId"))
	}
	if err == nil {
		for k := range q {
			if k != "activityId" {
				err = badf("GET /activities takes activityId only, not %s", k)
			}
		}
	}
	if err != nil {
		rs.fail(w, r, err)
		return nil
	}
	id := q.Get("activityId")
	a := obj{"objectType": "Activity", "id": id}
	if def := rs.cfg.Index.activity(p.School, id); def != nil {
		a["definition"] = def
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// noteActivities merges into the school's activities the definitions stmt
// gives. Called under the write lock.
func (x *Index) noteActivities(school string, stmt obj) {
	m := x.activities[school]
	if m == nil {
		m = make(map[string]obj)
		x.activities[school] = m
	}
	note := func(v any) {
		a, ok := v.(obj)
		if !ok {
			return
		}
		if t, _ := a["objectType"].(string); t != "" && t != "Activity" {
			return
		}
		id, ok := a["id"].(string)
		if !ok {
			return
		}
		def, _ := a["definition"].(obj)
		m[id] = mergeDefinition(m[id], def)
	}
	var walk func(s obj)
	walk = func(s obj) {
		note(s["object"])
		if o, ok := s["object"].(obj); ok && o["objectType"] == "SubStatement" {
			walk(o)
		}
		if ctx, ok := s["context"].(obj); ok {
			if ca, ok := ctx["contextActivities"].(obj); ok {
				for _, k := range slices.Sorted(maps.Keys(ca)) {
					list, _ := ca[k].([]any)
					for _, v := range list {
						note(v)
					}
				}
			}
		}
	}
	walk(stmt)
}

// mergeDefinition returns have with add's members over it: language maps
// (name, description) and extensions merged key by key, the rest
// replaced. Neither argument is changed, so the stored statements are not.
func mergeDefinition(have, add obj) obj {
	out := make(obj, len(have)+len(add))
	for k, v := range have {
		out[k] = v
	}
	for k, v := range add {
		old, _ := out[k].(obj)
		nv, isObj := v.(obj)
		if old != nil && isObj && (k == "name" || k == "description" || k == "extensions") {
			merged := make(obj, len(old)+len(nv))
			for mk, mv := range old {
				merged[mk] = mv
			}
			for mk, mv := range nv {
				merged[mk] = mv
			}
			out[k] = merged
			continue
		}
		out[k] = v
	}
	return out
}

// activity returns the merged definition of an activity of school, or nil.
func (x *Index) activity(school, id string) obj {
	x.mu.RLock()
	defer x.mu.RUnlock()
	def := x.activities[school][id]
	if len(def) == 0 {
		return nil
	}
	return def
}
