package blueprint

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
)

// CapacityGroup is a set of interchangeable instances of a service scaled
// through one actuator (運行計画の対象). Its actuator's secret (a
// kubeconfig) is written as ${env:NAME} or ${file:path}.
type CapacityGroup struct {
	Name            string         `json:"name"`
	Service         string         `json:"service"` // a service's name
	Kind            string         `json:"kind"`    // the actuator: manual, azure_vmss, aws_asg, kubernetes, command
	Config          map[string]any `json:"config,omitempty"`
	Account         string         `json:"account,omitempty"` // a cloud account's name, for azure_vmss and aws_asg
	Secret          string         `json:"secret,omitempty"`  // a reference; never read back
	Min             int            `json:"min"`
	Max             int            `json:"max"`
	InstanceSize    string         `json:"instance_size,omitempty"`
	HourlyPrice     *float64       `json:"hourly_price,omitempty"`
	LoadQuery       string         `json:"load_query,omitempty"`
	LoadUnit        string         `json:"load_unit,omitempty"`
	LoadUnder       *float64       `json:"load_under,omitempty"`
	LoadOver        *float64       `json:"load_over,omitempty"`
	LoadPerInstance *float64       `json:"load_per_instance,omitempty"`
	HostSelector    string         `json:"host_selector,omitempty"`
	VerifyWithin    model.Duration `json:"verify_within,omitempty"`

	hasSecret bool // read: a secret is stored (export writes a reference)
}

// capacityGroups are the tenant's capacity groups (internal/capacity).
type capacityGroups struct{}

// storedGroup is a group as read, with the store that compares its
// sealed secret.
type storedGroup struct {
	g     *capacity.Group
	store *capacity.Store
}

func (capacityGroups) name() string { return KindCapacityGroup }

func (capacityGroups) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Capacity.Groups(ctx, tenant)
	if err != nil {
		return err
	}
	accounts, err := accountNames(ctx, s, tenant)
	if err != nil {
		return err
	}
	for _, g := range list {
		v := groupOf(g, st.x, accounts)
		st.put(KindCapacityGroup, g.Name, &object{id: g.ID, design: v, stored: storedGroup{g, s.Capacity}})
	}
	return nil
}

func (capacityGroups) want(d *Design, tenant string, x *ids, add adder) error {
	for _, v := range d.CapacityGroups {
		m := v.model(tenant, x)
		if m.VerifyWithin == 0 { // the store's default
			m.VerifyWithin = capacity.DefaultVerifyWithin
		}
		shown := groupOf(m, x, nil)
		shown.Account = v.Account
		add(v.Name, shown, v)
	}
	return nil
}

func (capacityGroups) validate(l *loader, d *Design, x *ids, u *unique) {
	for i, g := range d.CapacityGroups {
		at := fmt.Sprintf("capacity_groups[%d]", i)
		u.add("capacity_groups", at, "name", g.Name)
		l.ref(at, "service", "service", g.Service, x.services)
		m := g.model(d.Tenant, x)
		m.ServiceID = 1 // the reference is checked above, by name
		// The kinds are the server's (internal/cli wires them): any kind
		// passes here, and the server names the ones it has.
		err := m.Validate(map[string]capacity.Factory{m.Kind: nil})
		if e, ok := invalid.As(err); ok && e.Field == "service_id" {
			e.Field = "service"
		}
		l.check(at, err)
	}
}

func (capacityGroups) write(ctx context.Context, w *writer, v any, id int64) error {
	g := v.(CapacityGroup)
	m := g.model(w.tenant, w.st.x)
	if g.Account != "" {
		accounts, err := accountIDs(ctx, w.s.stores, w.tenant)
		if err != nil {
			return err
		}
		if m.AccountID = accounts[g.Account]; m.AccountID == 0 {
			return invalid.New("account", "no cloud account %q in this tenant", g.Account)
		}
	}
	var secret []byte
	if g.Secret != "" {
		secret = []byte(g.Secret)
	}
	if id == 0 {
		if err := mayCommand(ctx, m.Kind); err != nil {
			return err
		}
		return w.s.stores.Capacity.CreateGroup(ctx, m, secret)
	}
	cur, err := w.s.stores.Capacity.Group(ctx, w.tenant, id)
	if err != nil {
		return err
	}
	if err := mayCommand(ctx, m.Kind, cur.Kind); err != nil {
		return err
	}
	m.ID = id
	m.KeepSecret(cur)
	return w.s.stores.Capacity.UpdateGroup(ctx, m, cur.Name, secret)
}

func (capacityGroups) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	cur, err := s.Capacity.Group(ctx, tenant, id)
	if err != nil {
		return err
	}
	if err := mayCommand(ctx, cur.Kind); err != nil {
		return err
	}
	return s.Capacity.DeleteGroup(ctx, tenant, id)
}

// mayCommand holds an apply to the API's rule: a command group runs a
// program on the server, so only the MSP admin creates, changes or
// deletes one (a tenant's token may not, through the files either).
func mayCommand(ctx context.Context, kinds ...string) error {
	for _, k := range kinds {
		if p := auth.FromContext(ctx); k == "command" && (!p.Global() || !p.Can(model.ScopeAdmin)) {
			return response.Forbidden("a command group runs a program on the server: only the MSP admin may create, change or delete one")
		}
	}
	return nil
}

func (capacityGroups) export(d *Design, v any) {
	g := v.(CapacityGroup)
	if g.hasSecret {
		g.Secret = "${env:" + envName("UNYO_"+g.Name+"_SECRET") + "}"
	}
	d.CapacityGroups = append(d.CapacityGroups, g)
}

// secrets refuses a secret written in clear and resolves the references.
func (capacityGroups) secrets(l *loader, d *Design) {
	for i := range d.CapacityGroups {
		g := &d.CapacityGroups[i]
		at := fmt.Sprintf("capacity_groups[%d]", i)
		if g.Secret != "" && !refRE.MatchString(g.Secret) {
			l.fail(at, "secret", "is a secret: write it as ${env:NAME} or ${file:path}, never in the file")
			continue
		}
		g.Secret = l.resolve(at+".secret", g.Secret)
	}
}

// sameSecrets: a design that gives no secret keeps the stored one.
func (capacityGroups) sameSecrets(cur *object, written any) bool {
	g := written.(CapacityGroup)
	sg := cur.stored.(storedGroup)
	return g.Secret == "" || sg.store.SameSecret(sg.g, []byte(g.Secret))
}

func (capacityGroups) refs(d *Design, seen map[string]bool) {
	for _, g := range d.CapacityGroups {
		collectRefs(g.Secret, seen)
	}
}

func (g CapacityGroup) model(tenant string, x *ids) *capacity.Group {
	cfg, _ := json.Marshal(g.Config)
	if len(g.Config) == 0 {
		cfg = []byte("{}")
	}
	return &capacity.Group{TenantID: tenant, ServiceID: x.services[g.Service], Name: g.Name, Kind: g.Kind, Config: cfg,
		Min: g.Min, Max: g.Max, InstanceSize: g.InstanceSize, HourlyPrice: g.HourlyPrice, LoadQuery: g.LoadQuery, LoadUnit: g.LoadUnit,
		LoadUnder: g.LoadUnder, LoadOver: g.LoadOver, LoadPerInstance: g.LoadPerInstance, HostSelector: g.HostSelector,
		VerifyWithin: g.VerifyWithin}
}

// groupOf is a stored group in the design's terms, without its secret
// (export writes a reference for a stored one).
func groupOf(m *capacity.Group, x *ids, accounts map[int64]string) CapacityGroup {
	g := CapacityGroup{Name: m.Name, Service: x.serviceOf[m.ServiceID], Kind: m.Kind, Min: m.Min, Max: m.Max,
		InstanceSize: m.InstanceSize, HourlyPrice: m.HourlyPrice, LoadQuery: m.LoadQuery, LoadUnit: m.LoadUnit,
		LoadUnder: m.LoadUnder, LoadOver: m.LoadOver, LoadPerInstance: m.LoadPerInstance, HostSelector: m.HostSelector,
		VerifyWithin: m.VerifyWithin}
	var cfg map[string]any
	if json.Unmarshal(m.Config, &cfg) == nil && len(cfg) > 0 {
		g.Config = cfg
	}
	if m.AccountID != 0 {
		g.Account = accounts[m.AccountID]
	}
	g.hasSecret = m.HasSecret
	return g
}

// envName is an environment variable's name made of s.
func envName(s string) string {
	return strings.Trim(envUnsafe.ReplaceAllString(strings.ToUpper(s), "_"), "_")
}

// accountNames maps the tenant's cloud accounts' IDs to their names.
func accountNames(ctx context.Context, s Stores, tenant string) (map[int64]string, error) {
	if s.Clouds == nil {
		return map[int64]string{}, nil
	}
	list, err := s.Clouds.List(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(list))
	for _, a := range list {
		out[a.ID] = a.Name
	}
	return out, nil
}

func accountIDs(ctx context.Context, s Stores, tenant string) (map[string]int64, error) {
	names, err := accountNames(ctx, s, tenant)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(names))
	for id, name := range names {
		out[name] = id
	}
	return out, nil
}
