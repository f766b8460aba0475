package backup_test

import (
	"context"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/backup/backuptest"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// TestSourceAccountOfTheTenant: a policy's source must name a cloud
// account of its own tenant and of the source's provider; nothing stored
// changes on a refusal.
func TestSourceAccountOfTheTenant(t *testing.T) {
	env := backuptest.New(t)
	accounts := &backuptest.Accounts{}
	accounts.Put(&cloudaccount.Account{ID: 1, TenantID: "acme", Provider: cloudaccount.ProviderAzure, Azure: &cloudaccount.Azure{}})
	accounts.Put(&cloudaccount.Account{ID: 2, TenantID: "beta", Provider: cloudaccount.ProviderAWS, AWS: &cloudaccount.AWS{}})
	env.Store.SetAccounts(accounts)
	try := func(tenant string, src *backup.Source) error {
		p := &backup.Policy{TenantID: tenant, Name: "p-" + tenant + string(src.Kind), ServiceID: env.Service[tenant], Target: "x",
			Method: backup.MethodOther, Schedule: "every 24h", Retention: model.Duration(720 * time.Hour), Source: src}
		return env.Store.CreatePolicy(context.Background(), p)
	}
	refused := func(err error) bool {
		e, ok := invalid.As(err)
		return ok && e.Field == "source.account_id"
	}
	if err := try("acme", &backup.Source{Kind: backup.SourceAWS, AccountID: 2}); !refused(err) {
		t.Errorf("acme naming beta's account: %v, want a refusal of source.account_id", err)
	}
	if err := try("acme", &backup.Source{Kind: backup.SourceAWS, AccountID: 1}); !refused(err) {
		t.Errorf("an aws_backup source on an Azure account: %v, want a refusal", err)
	}
	if err := try("acme", &backup.Source{Kind: backup.SourceAzure, AccountID: 1}); err != nil {
		t.Errorf("acme's own Azure account: %v", err)
	}
	if list, _ := env.Store.Policies(context.Background(), "acme"); len(list) != 1 {
		t.Errorf("%d policies stored, want only the good one", len(list))
	}
}
