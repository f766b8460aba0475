package capacity

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
)

// alerts tells the pipeline, for every group whose state changed since
// last told, whether its newest finished step failed or did not verify:
// one alert per group, firing until a later step verifies. After a
// restart the firing ones are told again, which the engine takes as the
// alert it already has.
func (sc *Scheduler) alerts(ctx context.Context, groups map[int64]*Group) error {
	last, err := sc.store.lastFinished(ctx)
	if err != nil {
		return err
	}
	byTenant := map[string][]alert.Signal{}
	changed := map[string][]int64{}
	for id, g := range groups {
		st := last[id]
		firing := st != nil && (st.State == StepFailed || st.State == StepUnverified)
		if known, ok := sc.sent[id]; (ok && known.firing == firing) || (!ok && !firing) {
			continue
		}
		byTenant[g.TenantID] = append(byTenant[g.TenantID], signalOf(g, st, firing))
		changed[g.TenantID] = append(changed[g.TenantID], id)
	}
	for id, known := range sc.sent {
		if groups[id] == nil && known.firing { // deleted: its alert ends with it
			g := &Group{ID: id, TenantID: known.tenant, Name: known.name}
			byTenant[known.tenant] = append(byTenant[known.tenant], signalOf(g, nil, false))
			changed[known.tenant] = append(changed[known.tenant], id)
		}
	}
	for tenant, signals := range byTenant {
		if _, err := sc.intake(ctx, tenant, signals); err != nil {
			sc.logger.Error("capacity: alert intake failed", "tenant", tenant, "err", err)
			continue
		}
		for i, id := range changed[tenant] {
			if groups[id] == nil {
				delete(sc.sent, id)
				continue
			}
			sc.sent[id] = told{tenant: tenant, name: groups[id].Name, firing: signals[i].Status == alert.StateFiring}
		}
	}
	return nil
}

// told is what the pipeline last heard of a group's alert.
type told struct {
	tenant, name string
	firing       bool
}

// signalOf is the alert of g's newest finished step.
func signalOf(g *Group, st *Step, firing bool) alert.Signal {
	s := alert.Signal{
		Source: alert.SourceCapacity, Fingerprint: "group/" + strconv.FormatInt(g.ID, 10), Status: alert.StateResolved,
		Severity: alert.SeverityCritical, Name: "Capacity step failed: " + g.Name,
		Title: alert.Text{Ja: "運行ステップ失敗: " + g.Name, En: "Capacity step failed: " + g.Name},
		Labels: map[string]string{"alertname": "CapacityStepFailed", "capacity_group": g.Name,
			"group_id": strconv.FormatInt(g.ID, 10), "service_id": strconv.FormatInt(g.ServiceID, 10)},
	}
	if !firing {
		s.Summaries = alert.Text{Ja: "その後のステップで確認できました", En: "a later step verified"}
		return s
	}
	s.Status = alert.StateFiring
	s.Labels["state"], s.Labels["step"] = string(st.State), st.Key
	s.StartsAt = st.UpdatedAt
	at := st.PlannedAt.Format(time.RFC3339)
	s.Summaries = alert.Text{Ja: fmt.Sprintf("%s に予定した %d 台へのステップは拒否されました: %s", at, st.Count, st.Error),
		En: fmt.Sprintf("the step to %d instances planned at %s was refused: %s", st.Count, at, st.Error)}
	if st.State == StepUnverified {
		s.Summaries = alert.Text{Ja: fmt.Sprintf("%s に予定した %d 台へのステップは確認できませんでした: %s", at, st.Count, st.Error),
			En: fmt.Sprintf("the step to %d instances planned at %s did not verify: %s", st.Count, at, st.Error)}
	}
	return s
}
