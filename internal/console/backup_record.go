package console

import (
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/model"
)

// restoreForm is the restore test form as typed.
type restoreForm struct {
	Policy, Start, End, By, Restored, Verification, Result string
}

// recordRestoreTest records a restore test performed (リカバリ訓練) from the
// form; times are typed in the user's zone. The backup store validates it
// and names the field it refuses.
func (c *Console) recordRestoreTest(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.tenant(r, p)
	if err != nil {
		return err
	}
	if err := require(p, model.ScopeWrite); err != nil {
		return err
	}
	f := restoreForm{Policy: r.PostFormValue("policy_id"), Start: r.PostFormValue("started_at"), End: r.PostFormValue("finished_at"),
		By: r.PostFormValue("performed_by"), Restored: r.PostFormValue("restored"), Verification: r.PostFormValue("verification"),
		Result: r.PostFormValue("result")}
	rt, err := f.test(t.ID, p)
	if err == nil {
		err = c.opts.Backups.AddRestoreTest(audited(r, p, t.ID, "create", "backup_restore_test", "", map[string]string{
			"policy_id": f.Policy, "result": f.Result}), rt)
	}
	if err != nil {
		msg := refused(p, err)
		if msg == "" {
			return err
		}
		p.Error = msg
		return c.renderBackups(w, r, p, http.StatusBadRequest, f)
	}
	http.Redirect(w, r, "/tenants/"+t.ID+"/backups", http.StatusSeeOther)
	return nil
}

// test reads the form; who performed it defaults to the user.
func (f restoreForm) test(tenant string, p *page) (*backup.RestoreTest, error) {
	id, err := strconv.ParseInt(f.Policy, 10, 64)
	if err != nil {
		return nil, refusedField("policy_id", "choose a backup policy")
	}
	rt := &backup.RestoreTest{TenantID: tenant, PolicyID: id, PerformedBy: f.By, Restored: f.Restored, Verification: f.Verification,
		Result: backup.RestoreResult(f.Result)}
	if rt.PerformedBy == "" {
		rt.PerformedBy = p.P.Name
	}
	for _, v := range []struct {
		field, text string
		dst         *time.Time
	}{{"started_at", f.Start, &rt.StartedAt}, {"finished_at", f.End, &rt.FinishedAt}} {
		at, err := time.ParseInLocation("2006-01-02T15:04", v.text, p.L.Loc)
		if err != nil {
			return nil, refusedField(v.field, "enter a date and time")
		}
		*v.dst = at
	}
	return rt, nil
}
