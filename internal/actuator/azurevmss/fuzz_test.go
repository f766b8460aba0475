package azurevmss_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/actuator/azurevmss"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// FuzzConfig: a group's azure_vmss settings are refused naming a field,
// or name a resource group and scale set that cannot reach outside their
// path segment of the ARM URL.
func FuzzConfig(f *testing.F) {
	f.Add(`{"resource_group":"rg-shop","name":"web"}`)
	f.Add(`{"resource_group":"rg(prod).jp","name":"web_01"}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := azurevmss.ParseConfig(json.RawMessage(s))
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		for _, v := range []string{c.ResourceGroup, c.Name} {
			if v == "" || strings.ContainsAny(v, "/?#%\\ ") || v == "." || v == ".." {
				t.Fatalf("%q accepted as %+v", s, c)
			}
		}
	})
}
