package blueprint

import (
	"context"
	"database/sql"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/oncall"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/statuspage"
)

// addPeople adds to st the stores of contacts' kinds, wired as the server
// wires them: rotations check their members among the contacts, and
// escalation steps may notify whoever is on call.
func addPeople(st *Stores, db *sql.DB) {
	st.Rotations = oncall.NewStore(db, func(ctx context.Context, tenant, name string) (bool, error) {
		return st.Channels.TargetExists(ctx, tenant, channel.ContactPrefix+name)
	})
	st.Policies.SetOnCall(st.Rotations.Resolve)
	st.Silences = alert.New(alert.NewStore(db), nil, nil, nil, alert.Options{}, nil)
	st.StatusPages = statuspage.NewService(statuspage.Options{Store: statuspage.NewStore(db)})
	st.Reports = report.NewService(nil, report.NewStore(db), nil, nil, nil)
}
