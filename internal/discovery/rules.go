package discovery

import (
	"slices"
	"strings"

	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// Rules choose what discovery registers for a tenant. The zero value
// registers every catalogued type in every resource group and region.
type Rules struct {
	// Types are catalogue types by their short name (lb, sql_database,
	// alb...); empty: all.
	Types []string `json:"types"`
	// Tags must all be on a resource: key → value, "*" for any value.
	Tags map[string]string `json:"tags"`
	// ResourceGroups (Azure; case-insensitive) and Regions narrow further;
	// empty: any. An AWS resource has no resource group: a rule naming
	// resource groups admits no AWS resource.
	ResourceGroups []string `json:"resource_groups"`
	Regions        []string `json:"regions"`
}

// Validate reports the first field that is not acceptable and returns
// the rules with empty lists in place of nil, as the API shows them.
func (r Rules) Validate() (Rules, error) {
	if len(r.Types) > len(cloudtype.Types) {
		return r, invalid.New("types", "lists more types than the catalogue has")
	}
	for i, t := range r.Types {
		if _, ok := cloudtype.ByShort(t); !ok {
			return r, invalid.New("types", "item %d: %q is not a catalogued type (see docs/cloud-discovery.md)", i, t)
		}
	}
	if len(r.Tags) > 20 {
		return r, invalid.New("tags", "has more than 20 tags")
	}
	for k, v := range r.Tags {
		if strings.TrimSpace(k) == "" || len(k) > 128 {
			return r, invalid.New("tags", "a tag key must be 1 to 128 characters, not %q", k)
		}
		if len(v) > 256 {
			return r, invalid.New("tags."+k, "value is longer than 256 characters")
		}
	}
	for name, list := range map[string][]string{"resource_groups": r.ResourceGroups, "regions": r.Regions} {
		if len(list) > 100 {
			return r, invalid.New(name, "has more than 100 entries")
		}
		for i, v := range list {
			if strings.TrimSpace(v) == "" || len(v) > 90 {
				return r, invalid.New(name, "item %d must be 1 to 90 characters", i)
			}
		}
	}
	if r.Types == nil {
		r.Types = []string{}
	}
	if r.Tags == nil {
		r.Tags = map[string]string{}
	}
	if r.ResourceGroups == nil {
		r.ResourceGroups = []string{}
	}
	if r.Regions == nil {
		r.Regions = []string{}
	}
	return r, nil
}

// Admits reports whether the rules register f.
func (r Rules) Admits(f Found) bool {
	if len(r.Types) > 0 && !slices.Contains(r.Types, f.Type.Short) {
		return false
	}
	for k, want := range r.Tags {
		got, ok := f.Tags[k]
		if !ok || want != "*" && got != want {
			return false
		}
	}
	if len(r.ResourceGroups) > 0 && !slices.ContainsFunc(r.ResourceGroups, func(g string) bool { return strings.EqualFold(g, f.ResourceGroup) }) {
		return false
	}
	if len(r.Regions) > 0 && !slices.ContainsFunc(r.Regions, func(g string) bool { return strings.EqualFold(g, f.Region) }) {
		return false
	}
	return true
}

// wants reports whether the rules can admit any resource of provider p
// in the catalogue, and which of its types: the lister asks the cloud
// only for these.
func (r Rules) wants(p cloudtype.Provider) []cloudtype.Type {
	var out []cloudtype.Type
	for _, t := range cloudtype.Types {
		if t.Provider == p && (len(r.Types) == 0 || slices.Contains(r.Types, t.Short)) {
			out = append(out, t)
		}
	}
	return out
}

// invalidAccount refuses an account query parameter that is no ID.
func invalidAccount(v string) error {
	return invalid.New("account", "must be a cloud account ID, not %q", v)
}
