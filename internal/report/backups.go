package report

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// The バックアップ / Backups section: per policy the success rate of its
// jobs, its RPO compliance (the share of the period's minutes its newest
// good point was within the RPO), its failures and their incidents, and
// its restore tests against the RTO; what falls short is a finding.

func (g *Generator) backups(ctx context.Context, r *Report) {
	if g.src.Backups == nil {
		g.note(r, "backups", "no.backups.source", nil)
		return
	}
	list, err := g.src.Backups.Backups(ctx, r.Tenant, r.From, r.To)
	if err != nil {
		g.note(r, "backups", "no.backups.source", err)
		return
	}
	r.Backups = list
	if len(list) == 0 {
		g.note(r, "backups", "no.backups", nil)
	}
}

// backupFindings are the backup topics for the meeting.
func backupFindings(r *Report) []Topic {
	l, loc := r.Language, r.location()
	var out []Topic
	for _, b := range r.Backups {
		if p := b.RPOPercent(); p >= 0 && b.WithinRPO < b.Minutes {
			out = append(out, Topic{Kind: "backup_rpo", Title: tr(l, "f.backup_rpo", b.Policy, p, b.Minutes-b.WithinRPO),
				Body: tr(l, "f.backup_rpo.body", span(l, time.Duration(b.RPO)))})
		}
		if n := len(b.Failures); n > 0 {
			out = append(out, Topic{Kind: "backup_failed", Title: tr(l, "f.backup_failed", b.Policy, n), Body: tr(l, "f.backup_failed.body")})
		}
		for _, t := range b.RestoreTests {
			at := dateText(l, t.StartedAt.In(loc))
			if t.OverRTO {
				out = append(out, Topic{Kind: "restore_over_rto", Title: tr(l, "f.restore_rto", b.Policy, at, span(l, time.Duration(t.Duration)), span(l, time.Duration(t.RTO))),
					Body: tr(l, "f.restore_rto.body")})
			}
			if !t.OK {
				out = append(out, Topic{Kind: "restore_failed", Title: tr(l, "f.restore_failed", b.Policy, at), Body: tr(l, "f.restore_failed.body")})
			}
		}
		if b.RestoreOverdue != nil {
			out = append(out, Topic{Kind: "restore_overdue", Title: tr(l, "f.restore_overdue", b.Policy, dateText(l, b.RestoreOverdue.In(loc))),
				Body: tr(l, "f.restore_overdue.body")})
		}
	}
	return out
}

func backupBlocks(r *Report) []Block {
	l, loc := r.Language, r.location()
	if len(r.Backups) == 0 {
		if n := note(r, "backups"); n != nil {
			return n
		}
		return []Block{{Note: tr(l, "no.backups")}}
	}
	at := func(t time.Time) string { return tableTimeText(l, t.In(loc)) }
	pt := &Table{Head: []string{tr(l, "b.policy"), tr(l, "service"), "RPO", "RTO", tr(l, "b.success"), tr(l, "b.rpo_compliance"), tr(l, "b.restore")}}
	var failures, tests [][]string
	for _, b := range r.Backups {
		success, rpo := "-", "-"
		if p := b.SuccessRate(); p >= 0 {
			success = fmt.Sprintf("%s (%d/%d)", pct1(p), b.Succeeded, b.Jobs)
		}
		if p := b.RPOPercent(); p >= 0 {
			rpo = fmt.Sprintf("%s (%s)", pct2(p), tr(l, "b.minutes", b.WithinRPO, b.Minutes))
		}
		restore := tr(l, "b.no_test")
		if n := len(b.RestoreTests); n > 0 {
			restore = restoreResult(l, b.RestoreTests[n-1])
		}
		if b.RestoreOverdue != nil {
			restore += " / " + tr(l, "b.overdue")
		}
		pt.Rows = append(pt.Rows, []string{b.Policy, b.Service, span(l, time.Duration(b.RPO)), span(l, time.Duration(b.RTO)), success, rpo, restore})
		for _, f := range b.Failures {
			inc := f.Incident
			if inc == "" {
				inc = "-"
			}
			failures = append(failures, []string{b.Policy, at(f.FinishedAt), tr(l, "b."+f.Status), f.Message, inc})
		}
		for _, t := range b.RestoreTests {
			tests = append(tests, []string{b.Policy, at(t.StartedAt), span(l, time.Duration(t.Duration)), span(l, time.Duration(t.RTO)),
				restoreResult(l, t), t.PerformedBy, t.Restored, t.Verification})
		}
	}
	out := []Block{{Table: pt}, {Heading: tr(l, "b.failures")}}
	if len(failures) == 0 {
		out = append(out, Block{Note: tr(l, "no.backup_failures")})
	} else {
		out = append(out, Block{Table: &Table{Head: []string{tr(l, "b.policy"), tr(l, "end"), tr(l, "b.status"), tr(l, "b.message"), tr(l, "incidents")}, Rows: failures}})
	}
	out = append(out, Block{Heading: tr(l, "b.restore_tests")})
	if len(tests) == 0 {
		return append(out, Block{Note: tr(l, "no.restore_tests")})
	}
	return append(out, Block{Table: &Table{Head: []string{tr(l, "b.policy"), tr(l, "start"), tr(l, "b.duration"), "RTO", tr(l, "b.result"),
		tr(l, "b.by"), tr(l, "b.restored"), tr(l, "b.verification")}, Rows: tests}})
}

func restoreResult(l string, t RestoreRecord) string {
	s := tr(l, "b.ok")
	if !t.OK {
		s = tr(l, "b.failed")
	}
	if t.OverRTO {
		return s + " / " + tr(l, "b.over_rto")
	}
	if t.RTO > 0 {
		return s + " / " + tr(l, "b.within_rto")
	}
	return s
}

// span is a duration in hours and minutes, in l.
func span(l string, d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return tr(l, "b.min", m)
	case m == 0:
		return tr(l, "b.h", h)
	}
	return tr(l, "b.hmin", h, m)
}

func pct2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) + "%" }
