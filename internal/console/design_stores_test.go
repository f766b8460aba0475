package console

import (
	"bytes"
	"testing"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/blueprint"
	"github.com/unyo-ops/unyo/internal/capacity"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/dashboard"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/oncall"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/runbook"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/servicenow"
	"github.com/unyo-ops/unyo/internal/statuspage"
)

// designStores are every store a design is applied through, as the server
// wires them: the console's own where the options have one (so that its
// pages show what an apply made), the others new on the test's database.
// A planner without one of them fails at the first plan.
func designStores(t *testing.T, o *Options) blueprint.Stores {
	t.Helper()
	db := o.Store.DB()
	box, err := secret.New(bytes.Repeat([]byte{4}, secret.KeySize)) // newEnv's key: the options' stores open what these seal
	if err != nil {
		t.Fatal(err)
	}
	channels, _ := o.Channels.(*channel.Store)
	if channels == nil {
		channels = channel.NewStore(db, o.Store, box, channel.Builder{})
	}
	policies, _ := o.Policies.(*escalation.Store)
	if policies == nil {
		policies = escalation.NewStore(db, o.Store, channels.TargetExists)
	}
	rotations := o.OnCall
	if rotations == nil {
		rotations = oncall.NewStore(db, nil)
	}
	silences, _ := o.AlertDesk.(*alert.Engine)
	if silences == nil {
		silences = alert.New(alert.NewStore(db), nil, nil, nil, alert.Options{}, nil)
	}
	pages := o.StatusPages
	if pages == nil {
		pages = statuspage.NewService(statuspage.Options{Store: statuspage.NewStore(db)})
	}
	clouds := o.CloudAccounts
	if clouds == nil {
		clouds = cloudaccount.NewStore(db, box)
	}
	plans := o.Capacity
	if plans == nil {
		plans = capacity.NewStore(db, o.Store, box, map[string]capacity.Factory{})
	}
	boards := o.Dashboards
	if boards == nil {
		boards = dashboard.NewStore(db)
	}
	backups := backup.NewStore(db, o.Store)
	backups.SetAccounts(clouds)
	return blueprint.Stores{Objects: o.Store, Monitoring: o.Design.(*monitoring.Store), Channels: channels, Policies: policies,
		Windows: maintenance.NewStore(db, o.Store), Runbooks: runbook.NewStore(db),
		Rotations: rotations, Silences: silences, StatusPages: pages, Reports: report.NewService(nil, report.NewStore(db), nil, nil, nil),
		Clouds: clouds, ServiceNow: servicenow.NewConfigs(db, box),
		Capacity: plans, Backups: backups, Dashboards: boards}
}
