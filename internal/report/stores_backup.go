package report

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/backup"
	"github.com/unyo-ops/unyo/internal/incident"
)

// backupSource adapts the backup store: its figures per policy, and for
// each failed job the incident its job_failed alert opened or joined.
type backupSource struct {
	store    *backup.Store
	desk     *incident.Desk
	services TenantSource
}

// backupSources is the source over st's backup store, nil without one (the
// section then says there is no source).
func backupSources(st Stores) BackupSource {
	if st.Backups == nil {
		return nil
	}
	return backupSource{st.Backups, st.Desk, st.Tenants}
}

func (s backupSource) Backups(ctx context.Context, tenant string, from, to time.Time) ([]BackupRecord, error) {
	periods, err := s.store.Periods(ctx, tenant, from, to)
	if err != nil {
		return nil, err
	}
	names, err := serviceNames(ctx, s.services, tenant)
	if err != nil {
		return nil, err
	}
	var links map[string][]alertIncident
	out := make([]BackupRecord, 0, len(periods))
	for _, pr := range periods {
		p := pr.Policy
		rec := BackupRecord{Policy: p.Name, Service: names[p.ServiceID], Target: p.Target, RPO: Duration(p.EffectiveRPO),
			RTO: Duration(p.EffectiveRTO), Jobs: pr.Jobs, Succeeded: pr.Succeeded, Minutes: int(pr.Measured / time.Minute),
			WithinRPO: int(pr.WithinRPO / time.Minute), RestorePlan: p.RestorePlan, RestoreOverdue: pr.RestoreOverdue,
			Failures: []BackupFailure{}, RestoreTests: []RestoreRecord{}}
		if len(pr.Failures) > 0 && links == nil {
			if links, err = s.incidentsByAlert(ctx, tenant, from); err != nil {
				return nil, err
			}
		}
		fp := backup.AlertFingerprint(p.ID, backup.ConditionFailed)
		for _, j := range pr.Failures {
			rec.Failures = append(rec.Failures, BackupFailure{FinishedAt: j.FinishedAt, Status: string(j.Status), Message: j.Message,
				Incident: incidentOf(links[fp], j.FinishedAt)})
		}
		for _, t := range pr.RestoreTests {
			rec.RestoreTests = append(rec.RestoreTests, RestoreRecord{StartedAt: t.StartedAt, Duration: Duration(t.Duration), RTO: Duration(t.RTO),
				OverRTO: t.OverRTO, OK: t.Result == backup.RestoreOK, PerformedBy: t.PerformedBy, Restored: t.Restored, Verification: t.Verification})
		}
		out = append(out, rec)
	}
	return out, nil
}

// alertIncident is one firing of an alert in an incident.
type alertIncident struct {
	number   string
	fired    time.Time
	resolved *time.Time
}

// incidentsByAlert maps the fingerprints of the alerts in tenant's
// incidents opened since a month before from to their firings (an incident
// opened later may still hold an alert of the period: the alert's own
// times decide).
func (s backupSource) incidentsByAlert(ctx context.Context, tenant string, from time.Time) (map[string][]alertIncident, error) {
	m := map[string][]alertIncident{}
	if s.desk == nil {
		return m, nil
	}
	list, err := s.desk.Incidents(ctx, tenant, incident.Filter{From: from.Add(-31 * 24 * time.Hour), Limit: 10_000})
	if err != nil {
		return nil, err
	}
	for _, inc := range list {
		full, err := s.desk.Incident(ctx, tenant, inc.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range full.Alerts {
			m[a.Fingerprint] = append(m[a.Fingerprint], alertIncident{number: inc.Number, fired: a.FiredAt, resolved: a.ResolvedAt})
		}
	}
	return m, nil
}

// incidentOf is the incident whose alert was firing when a job failed at
// at: it fired by then (a minute's slack for the alert's own clock) and
// was not resolved before.
func incidentOf(firings []alertIncident, at time.Time) string {
	for _, f := range firings {
		if !f.fired.After(at.Add(time.Minute)) && (f.resolved == nil || !f.resolved.Before(at)) {
			return f.number
		}
	}
	return ""
}
