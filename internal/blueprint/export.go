package blueprint

import (
	"context"
	"regexp"
	"strings"
)

// Export returns what tenant holds as a design: the files it is written
// to plan to no changes. Secrets are never exported: each is a reference
// ${env:UNYO_<CHANNEL>_<FIELD>} the caller sets before planning.
func (s *Planner) Export(ctx context.Context, tenant string) (*Design, error) {
	st, err := s.stores.read(ctx, tenant, s.now())
	if err != nil {
		return nil, err
	}
	d := &Design{Tenant: tenant}
	for _, kind := range Kinds {
		for _, key := range sortedKeys(st.objs[kind]) {
			kindNamed(kind).export(d, st.objs[kind][key].design)
		}
	}
	return d, nil
}

var envUnsafe = regexp.MustCompile(`[^A-Z0-9]+`)

// secretRefs replaces a channel's set secrets by environment references.
func secretRefs(c Channel) Channel {
	cfg := map[string]any{}
	for k, v := range c.Config {
		cfg[k] = v
	}
	name := func(field string) string {
		return "${env:" + strings.Trim(envUnsafe.ReplaceAllString(strings.ToUpper("UNYO_"+c.Name+"_"+field), "_"), "_") + "}"
	}
	for _, f := range secretFields[c.Type] {
		if head, ok := strings.CutSuffix(f, ".*"); ok {
			sub, _ := cfg[head].(map[string]any)
			out := map[string]any{}
			for k, v := range sub {
				if v != "" {
					v = name(head + "_" + k)
				}
				out[k] = v
			}
			if len(out) > 0 {
				cfg[head] = out
			} else {
				delete(cfg, head)
			}
			continue
		}
		if v, ok := cfg[f].(string); ok && v != "" {
			cfg[f] = name(f)
		}
	}
	for k, v := range cfg { // what the API shows as unset: leave it out, as the files would
		if v == "" || v == nil {
			delete(cfg, k)
		}
	}
	c.Config = cfg
	return c
}
