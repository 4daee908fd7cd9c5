package httpapi_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/masteryledger/ledger/domain"
)

// DOMAIN.md says occurredAt may not lie in the future; the ledger allows
// domain.MaxClockSkew. Both the API docs and the page that lists where the
// model departs from DOMAIN.md must say so, with the value the code uses.
func TestClockSkewAllowanceIsDocumented(t *testing.T) {
	allowance := fmt.Sprintf("%d minutes", int(domain.MaxClockSkew.Minutes()))
	api, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	model, err := os.ReadFile("../../docs/domain.md")
	if err != nil {
		t.Fatal(err)
	}
	_, differs, _ := strings.Cut(string(model), "## Where this differs from or sharpens DOMAIN.md")
	differs, _, _ = strings.Cut(differs, "\n## ")
	for name, text := range map[string]string{"docs/openapi.yaml": string(api), "docs/domain.md, where it differs from DOMAIN.md": differs} {
		flat := strings.ReplaceAll(strings.Join(strings.Fields(text), " "), "clock-skew", "clock skew")
		if !strings.Contains(flat, "clock skew") || !strings.Contains(flat, allowance) {
			t.Errorf("%s does not state occurredAt's allowance for clock skew of %s", name, allowance)
		}
	}
}
