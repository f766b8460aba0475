// Package backuptest sets up what the tests of backup's sources share: a
// real database on the dialect under test with two tenants, each with a
// service and a resource, the backup store over it, and a map-backed
// cloud account resolver.
package backuptest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Env is a database with tenants acme and beta, and the backup store.
type Env struct {
	URL     string // the database, to open again as a restart would
	Store   *backup.Store
	Objects *storage.Store
	Service map[string]int64 // tenant → its service (RPO 24h)
	n       int
}

// New opens a fresh database on the dialect under test.
func New(t testing.TB) *Env {
	t.Helper()
	e := &Env{URL: dbtest.URL(t), Service: map[string]int64{}}
	e.Open(t)
	ctx := context.Background()
	for _, id := range []string{"acme", "beta"} {
		if err := e.Objects.CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
		svc := &model.Service{TenantID: id, Name: id + "-shop", Level: model.ServiceLevel{RPO: model.Duration(24 * time.Hour)}}
		if err := e.Objects.CreateService(ctx, svc); err != nil {
			t.Fatal(err)
		}
		e.Service[id] = svc.ID
	}
	return e
}

// Open opens the database (again) and builds the stores on it, as a
// server's restart would.
func (e *Env) Open(t testing.TB) {
	t.Helper()
	db, err := database.Open(context.Background(), e.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.Objects = storage.New(db)
	e.Store = backup.NewStore(db, e.Objects)
}

// Policy creates a policy of tenant with source src, schedule every 24h.
func (e *Env) Policy(t testing.TB, tenant string, method backup.Method, src *backup.Source) *backup.Policy {
	t.Helper()
	e.n++
	p := &backup.Policy{TenantID: tenant, Name: fmt.Sprintf("policy-%d", e.n), ServiceID: e.Service[tenant], Target: "shop",
		Method: method, Schedule: "every 24h", Retention: model.Duration(720 * time.Hour), Source: src}
	if err := e.Store.CreatePolicy(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

// Jobs returns the history of tenant's policy, newest first.
func (e *Env) Jobs(t testing.TB, tenant string, policy int64) []*backup.Job {
	t.Helper()
	list, err := e.Store.Jobs(context.Background(), tenant, policy, 0)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// Accounts is a cloudaccount.Resolver over a map, for tests.
type Accounts struct {
	mu   sync.Mutex
	list map[string]map[int64]*cloudaccount.Account
}

var _ cloudaccount.Resolver = (*Accounts)(nil)

// Put adds or replaces an account of its tenant.
func (a *Accounts) Put(acct *cloudaccount.Account) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.list == nil {
		a.list = map[string]map[int64]*cloudaccount.Account{}
	}
	if a.list[acct.TenantID] == nil {
		a.list[acct.TenantID] = map[int64]*cloudaccount.Account{}
	}
	a.list[acct.TenantID][acct.ID] = acct
}

// Account returns tenant's account id, or cloudaccount.ErrNotFound.
func (a *Accounts) Account(_ context.Context, tenant string, id int64) (*cloudaccount.Account, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	acct, ok := a.list[tenant][id]
	if !ok {
		return nil, cloudaccount.ErrNotFound
	}
	c := *acct
	return &c, nil
}
