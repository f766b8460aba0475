package console

import (
	"bytes"
	"testing"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/blueprint"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/escalation"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/secret"
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
	own := blueprint.Stores{Monitoring: o.Design.(*monitoring.Store), Rotations: o.OnCall, StatusPages: o.StatusPages,
		Clouds: o.CloudAccounts, Capacity: o.Capacity, Dashboards: o.Dashboards}
	own.Channels, _ = o.Channels.(*channel.Store)
	own.Policies, _ = o.Policies.(*escalation.Store)
	own.Silences, _ = o.AlertDesk.(*alert.Engine)
	return blueprint.NewStores(db, o.Store, box, own)
}
