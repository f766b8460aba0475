package api

import (
	"encoding/json"
	"fmt"

	"github.com/unyo-ops/unyo/internal/route"
)

// mergeOpenAPI adds the paths and component schemas of each module's fragment
// to base. A path or schema defined twice is an error: two packages would be
// documenting one thing differently.
func mergeOpenAPI(base []byte, modules []route.Module) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(base, &doc); err != nil {
		return nil, fmt.Errorf("api: openapi.json: %w", err)
	}
	paths := child(doc, "paths")
	schemas := child(child(doc, "components"), "schemas")
	for _, m := range modules {
		var frag struct {
			Paths      map[string]any `json:"paths"`
			Components struct {
				Schemas map[string]any `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(m.OpenAPI(), &frag); err != nil {
			return nil, fmt.Errorf("api: OpenAPI fragment of %T: %w", m, err)
		}
		for k, v := range frag.Paths {
			if _, dup := paths[k]; dup {
				return nil, fmt.Errorf("api: OpenAPI path %s documented twice (%T)", k, m)
			}
			paths[k] = v
		}
		for k, v := range frag.Components.Schemas {
			if _, dup := schemas[k]; dup {
				return nil, fmt.Errorf("api: OpenAPI schema %s defined twice (%T)", k, m)
			}
			schemas[k] = v
		}
	}
	return json.MarshalIndent(doc, "", " ")
}

// child returns m[key] as an object, creating it when absent.
func child(m map[string]any, key string) map[string]any {
	c, ok := m[key].(map[string]any)
	if !ok {
		c = map[string]any{}
		m[key] = c
	}
	return c
}
