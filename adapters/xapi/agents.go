package xapi

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/masteryledger/ledger/adapters/access"
	"github.com/masteryledger/ledger/domain"
)

// Agents serves GET /xapi/agents?agent=… for p, a tool of a school: the
// Person the agent is (Communication 2.4). The ledger knows no more of a
// person than the agent's own identifier, so the Person has that
// identifier and the names the school's statements gave that agent; an
// agent no statement names is answered with its identifier alone, as the
// specification asks.
func (rs *Resource) Agents(w http.ResponseWriter, r *http.Request, p access.Principal) error {
	w.Header().Set("X-Experience-API-Version", Version)
	q := r.URL.Query()
	var (
		err   error
		agent obj
	)
	switch {
	case !acceptedVersion(r.Header.Get("X-Experience-API-Version")):
		err = badf("send the header X-Experience-API-Version: %s", Version)
	case p.Role != domain.RoleTool || p.School == "":
		err = fmt.Errorf("only a tool of a school reads agents: %w", access.ErrForbidden)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		err = badf("method %s is not allowed on the agents resource", r.Method)
	case len(q["agent"]) != 1:
		err = badf("GET /agents takes one agent")
	default:
		agent, err = parseAgentParam(q.Get("agent"))
	}
	if err == nil {
		for k := range q {
			if k != "agent" {
				err = badf("GET /agents takes agent only, not %s", k)
			}
		}
	}
	if err != nil {
		rs.fail(w, r, err)
		return nil
	}
	person := obj{"objectType": "Person"}
	if names := rs.cfg.Index.agentNames(p.School, agentIFI(agent)); len(names) > 0 {
		person["name"] = names
	}
	for _, k := range []string{"mbox", "mbox_sha1sum", "openid"} {
		if v, ok := agent[k]; ok {
			person[k] = []any{v}
		}
	}
	if a, ok := agent["account"].(obj); ok {
		person["account"] = []any{obj{"homePage": a["homePage"], "name": a["name"]}}
	}
	writeJSON(w, http.StatusOK, person)
	return nil
}

// parseAgentParam reads the agent parameter: an Agent as JSON, with
// exactly one identifier.
func parseAgentParam(s string) (obj, error) {
	v, err := decodeJSON([]byte(s))
	if err != nil {
		return nil, badf("agent: %v", err)
	}
	o, ok := v.(obj)
	if !ok || o["objectType"] == "Group" {
		return nil, badf("agent must be an Agent")
	}
	var c checker
	c.actor("agent", o)
	if c.err != nil {
		return nil, c.err
	}
	return o, nil
}

// agentIFI is an Agent's inverse functional identifier as one string, or
// "" for an anonymous one.
func agentIFI(o obj) string {
	for _, k := range []string{"mbox", "mbox_sha1sum", "openid"} {
		if s, ok := o[k].(string); ok {
			return k + "\x00" + s
		}
	}
	if a, ok := o["account"].(obj); ok {
		hp, _ := a["homePage"].(string)
		n, _ := a["name"].(string)
		return "account\x00" + hp + "\x00" + n
	}
	return ""
}

// noteAgents records the names the agents stmt names go by. Called under
// the write lock.
func (x *Index) noteAgents(school string, stmt obj) {
	for _, a := range agentsOf(stmt, true) {
		if a["objectType"] == "Group" {
			continue
		}
		name, ok := a["name"].(string)
		ifi := agentIFI(a)
		if !ok || ifi == "" {
			continue
		}
		m := x.agentNamesBy[school]
		if m == nil {
			m = make(map[string][]string)
			x.agentNamesBy[school] = m
		}
		if !slices.Contains(m[ifi], name) {
			m[ifi] = append(m[ifi], name)
		}
	}
}

// agentNames returns the names the school's statements gave an agent.
func (x *Index) agentNames(school, ifi string) []string {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return slices.Clone(x.agentNamesBy[school][ifi])
}
