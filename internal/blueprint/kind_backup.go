package blueprint

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// BackupPolicy is a backup policy of a service (and optionally one of its
// resources): what is protected, how, when, how long it is kept, its RPO
// and RTO when tighter than the service level's, and how often a restore
// is tested.
type BackupPolicy struct {
	Name            string         `json:"name"`
	Service         string         `json:"service"`            // a service's name
	Resource        string         `json:"resource,omitempty"` // a resource's name
	Target          string         `json:"target"`
	Method          backup.Method  `json:"method"`
	Schedule        string         `json:"schedule"` // "every 6h" or cron "0 2 * * *", in the tenant's time zone
	Retention       model.Duration `json:"retention"`
	RPO             model.Duration `json:"rpo,omitempty"`
	RTO             model.Duration `json:"rto,omitempty"`
	Grace           model.Duration `json:"grace,omitempty"`
	Runbook         string         `json:"runbook,omitempty"` // a URL or a runbook's title
	SizeLowPercent  int            `json:"size_low_percent,omitempty"`
	SizeHighPercent int            `json:"size_high_percent,omitempty"`
	RestorePlan     string         `json:"restore_plan,omitempty"` // how often a restore is tested
	RestoreGrace    model.Duration `json:"restore_grace,omitempty"`
	Source          *BackupSource  `json:"source,omitempty"`
}

// BackupSource is where the policy's jobs are read from: a cloud account
// by name, or a metric.
type BackupSource struct {
	Kind      backup.SourceKind `json:"kind"`
	Account   string            `json:"account,omitempty"` // a cloud account's name
	Vaults    []string          `json:"vaults,omitempty"`
	Resources []string          `json:"resources,omitempty"`
	Regions   []string          `json:"regions,omitempty"`
	Selector  string            `json:"selector,omitempty"`
}

// backupPolicies are the tenant's backup policies (internal/backup).
type backupPolicies struct{}

func (backupPolicies) name() string { return KindBackupPolicy }

func (backupPolicies) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Backups.Policies(ctx, tenant)
	if err != nil {
		return err
	}
	accounts, err := accountNames(ctx, s, tenant)
	if err != nil {
		return err
	}
	for _, p := range list {
		st.put(KindBackupPolicy, p.Name, &object{id: p.ID, design: backupOf(p, st.x, accounts)})
	}
	return nil
}

func (backupPolicies) want(d *Design, tenant string, x *ids, add adder) error {
	for _, v := range d.BackupPolicies {
		m := v.model(tenant, x)
		fillDefaults(m)
		shown := backupOf(m, x, nil)
		if v.Source != nil {
			shown.Source.Account = v.Source.Account
		}
		add(v.Name, shown, v)
	}
	return nil
}

func (backupPolicies) validate(l *loader, d *Design, x *ids, u *unique) {
	for i, p := range d.BackupPolicies {
		at := fmt.Sprintf("backup_policies[%d]", i)
		u.add("backup_policies", at, "name", p.Name)
		l.ref(at, "service", "service", p.Service, x.services)
		l.ref(at, "resource", "resource", p.Resource, x.resources)
		l.check(at, validateNamed(p.model(d.Tenant, x)))
	}
}

// validateNamed is the store's own Validate (which fills the defaults it
// stores) of a policy whose references are names, checked apart: the
// service, the resource and the cloud account stand in as found.
func validateNamed(m *backup.Policy) error {
	svc, res := m.ServiceID, m.ResourceID
	m.ServiceID, m.ResourceID = 1, 0
	var account int64
	if m.Source != nil && m.Source.AccountID != 0 {
		account, m.Source.AccountID = m.Source.AccountID, 1
	}
	err := m.Validate()
	m.ServiceID, m.ResourceID = svc, res
	if account != 0 {
		m.Source.AccountID = account
	}
	if e, ok := invalid.As(err); ok && e.Field == "source.account_id" {
		e.Field, e.Reason = "source.account", "is required: the cloud account (by name) whose jobs are read"
	}
	return err
}

// fillDefaults gives m the defaults the store fills in.
func fillDefaults(m *backup.Policy) { _ = validateNamed(m) }

func (backupPolicies) write(ctx context.Context, w *writer, v any, id int64) error {
	p := v.(BackupPolicy)
	m := p.model(w.tenant, w.st.x)
	if p.Source != nil && p.Source.Account != "" {
		accounts, err := accountIDs(ctx, w.s.stores, w.tenant)
		if err != nil {
			return err
		}
		if m.Source.AccountID = accounts[p.Source.Account]; m.Source.AccountID == 0 {
			return invalid.New("source.account", "no cloud account %q in this tenant", p.Source.Account)
		}
	}
	m.ID = id
	if id == 0 {
		return w.s.stores.Backups.CreatePolicy(ctx, m)
	}
	cur, err := w.s.stores.Backups.Policy(ctx, w.tenant, id)
	if err != nil {
		return err
	}
	m.RestorePlanSince, m.Restorable = cur.RestorePlanSince, cur.Restorable // kept as the API keeps them
	return w.s.stores.Backups.UpdatePolicy(ctx, m)
}

func (backupPolicies) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Backups.DeletePolicy(ctx, tenant, id)
}

func (backupPolicies) export(d *Design, v any) {
	d.BackupPolicies = append(d.BackupPolicies, v.(BackupPolicy))
}

func (p BackupPolicy) model(tenant string, x *ids) *backup.Policy {
	m := &backup.Policy{TenantID: tenant, Name: p.Name, ServiceID: x.services[p.Service], ResourceID: x.resources[p.Resource],
		Target: p.Target, Method: p.Method, Schedule: p.Schedule, Retention: p.Retention, RPO: p.RPO, RTO: p.RTO, Grace: p.Grace,
		Runbook: p.Runbook, SizeLowPercent: p.SizeLowPercent, SizeHighPercent: p.SizeHighPercent, RestorePlan: p.RestorePlan,
		RestoreGrace: p.RestoreGrace}
	if s := p.Source; s != nil {
		m.Source = &backup.Source{Kind: s.Kind, Vaults: s.Vaults, Resources: s.Resources, Regions: s.Regions, Selector: s.Selector}
		if s.Account != "" {
			m.Source.AccountID = -1 // named: write resolves it
		}
	}
	return m
}

// backupOf is a stored policy in the design's terms, its defaults filled
// in (a file that leaves them out plans the same).
func backupOf(m *backup.Policy, x *ids, accounts map[int64]string) BackupPolicy {
	p := BackupPolicy{Name: m.Name, Service: x.serviceOf[m.ServiceID], Target: m.Target, Method: m.Method, Schedule: m.Schedule,
		Retention: m.Retention, RPO: m.RPO, RTO: m.RTO, Grace: m.Grace, Runbook: m.Runbook, SizeLowPercent: m.SizeLowPercent,
		SizeHighPercent: m.SizeHighPercent, RestorePlan: m.RestorePlan, RestoreGrace: m.RestoreGrace}
	if m.ResourceID != 0 {
		p.Resource = x.resourceOf[m.ResourceID]
	}
	if s := m.Source; s != nil {
		p.Source = &BackupSource{Kind: s.Kind, Account: accounts[s.AccountID], Vaults: nilIfEmpty(s.Vaults),
			Resources: nilIfEmpty(s.Resources), Regions: nilIfEmpty(s.Regions), Selector: s.Selector}
	}
	return p
}

func nilIfEmpty(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	return list
}
