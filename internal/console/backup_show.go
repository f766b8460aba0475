package console

import (
	"context"
	"net/http"
	"sort"
	"time"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/model"
)

// BackupDesk is the part of the backup store the console uses;
// *backup.Store is one.
type BackupDesk interface {
	Policies(ctx context.Context, tenant string) ([]*backup.Policy, error)
	// StatusesOf evaluates a tenant's policies, reading their history at once.
	StatusesOf(ctx context.Context, tenant string, ps []*backup.Policy, now time.Time) ([]backup.Status, error)
	Jobs(ctx context.Context, tenant string, policy int64, limit int) ([]*backup.Job, error)
	RestoreTests(ctx context.Context, tenant string, policy int64, from, to time.Time) ([]*backup.RestoreTest, error)
	AddRestoreTest(ctx context.Context, rt *backup.RestoreTest) error
}

// backupJobsShown is how many of the newest jobs the page lists.
const backupJobsShown = 50

// backupData is a tenant's backup page: each policy with its compliance,
// the newest jobs of all of them, and the restore tests.
type backupData struct {
	Tenant    *model.Tenant
	Rows      []backupRow
	Jobs      []backupJobRow
	Tests     []backupTestRow
	CanRecord bool
	Form      restoreForm
}

// backupRow is one policy and its status now.
type backupRow struct {
	P *backup.Policy
	S backup.Status
}

// backupJobRow is one job, with its policy's name.
type backupJobRow struct {
	Policy string
	J      *backup.Job
}

// backupTestRow is one restore test, with its policy's name.
type backupTestRow struct {
	Policy string
	T      *backup.RestoreTest
}

func (c *Console) showBackups(w http.ResponseWriter, r *http.Request, p *page) error {
	return c.renderBackups(w, r, p, http.StatusOK, restoreForm{})
}

func (c *Console) renderBackups(w http.ResponseWriter, r *http.Request, p *page, status int, form restoreForm) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	ctx, now := r.Context(), c.now()
	list, err := c.opts.Backups.Policies(ctx, t.ID)
	if err != nil {
		return err
	}
	d := &backupData{Tenant: t, CanRecord: p.P.Can(model.ScopeWrite), Form: form}
	sts, err := c.opts.Backups.StatusesOf(ctx, t.ID, list, now)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for i, pol := range list {
		d.Rows = append(d.Rows, backupRow{P: pol, S: sts[i]})
		names[pol.ID] = pol.Name
		jobs, err := c.opts.Backups.Jobs(ctx, t.ID, pol.ID, backupJobsShown)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			d.Jobs = append(d.Jobs, backupJobRow{Policy: pol.Name, J: j})
		}
	}
	sort.SliceStable(d.Jobs, func(i, j int) bool { return d.Jobs[i].J.FinishedAt.After(d.Jobs[j].J.FinishedAt) })
	if len(d.Jobs) > backupJobsShown {
		d.Jobs = d.Jobs[:backupJobsShown]
	}
	tests, err := c.opts.Backups.RestoreTests(ctx, t.ID, 0, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	for _, rt := range tests {
		d.Tests = append(d.Tests, backupTestRow{Policy: names[rt.PolicyID], T: rt})
	}
	p.Active, p.Title, p.Data = "nav.tenants", p.L.T("bk.title", t.Name), d
	c.render(w, status, "backups", p)
	return nil
}

// backupTile is the board's count of a tenant's policies at risk.
type backupTile struct {
	Policies, AtRisk, Failed int
}

// backupTile counts tenant's policies by state now.
func (c *Console) backupTile(ctx context.Context, tenant string) (*backupTile, error) {
	list, err := c.opts.Backups.Policies(ctx, tenant)
	if err != nil {
		return nil, err
	}
	sts, err := c.opts.Backups.StatusesOf(ctx, tenant, list, c.now())
	if err != nil {
		return nil, err
	}
	tile := &backupTile{}
	for _, st := range sts {
		tile.count(st)
	}
	return tile, nil
}
