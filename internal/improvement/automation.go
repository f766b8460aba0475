package improvement

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// MinOccurrences is how many times in the window a kind of manual work must
// recur to be an automation candidate: once or twice is not a routine.
const MinOccurrences = 3

// The sources of manual work.
const (
	SourceWork     = "work_report"     // a work report not attached to a request or incident
	SourceRequest  = "catalog_request" // a catalog request, by its catalog item
	SourceIncident = "incident"        // incidents' work notes, by the incident's cause category
)

// Candidate is one kind of recurring manual work: how often it came and how
// many hours it took, per month of the window and in all.
type Candidate struct {
	Rank   int     `json:"rank"`
	Source string  `json:"source"`
	Key    string  `json:"key"`   // what groups the work (the normalised subject, the catalog item, the cause category)
	Label  string  `json:"label"` // the key as people wrote it
	Count  int     `json:"count"`
	Hours  float64 `json:"hours"`
	Months []Month `json:"months"` // every month of the window, oldest first
}

// Month is one month's share of a candidate.
type Month struct {
	Month string  `json:"month"` // YYYY-MM in the tenant's zone
	Count int     `json:"count"`
	Hours float64 `json:"hours"`
}

// occurrence is one piece of manual work, or hours of work added to one.
type occurrence struct {
	source, key, label string
	at                 time.Time
	count              int
	hours              float64
}

var digits = regexp.MustCompile(`[0-9０-９]+`)

// normalise groups work reports that say the same thing: case and spacing
// aside, and numbers (dates, host numbers, ticket numbers) as one mark, so
// "Patch web1 2026/10" and "patch web2 2026/11" are one kind of work.
func normalise(s string) string {
	s = strings.Join(strings.Fields(strings.ToLower(s)), " ")
	return digits.ReplaceAllString(s, "#")
}

// Candidates ranks the tenant's recurring manual work of the months from
// first to last (inclusive, in the tenant's zone; each the first day of a
// month): the kinds seen at least MinOccurrences times, by hours (what
// automating them would save) then by count, then by name.
func (s *Store) Candidates(ctx context.Context, tenant string, first, last time.Time) ([]Candidate, error) {
	loc := s.location(ctx, tenant)
	from := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, loc)
	to := time.Date(last.Year(), last.Month()+1, 1, 0, 0, 0, 0, loc)
	occ, err := s.occurrences(ctx, tenant, from, to)
	if err != nil {
		return nil, err
	}
	var months []string
	for m := from; m.Before(to); m = m.AddDate(0, 1, 0) {
		months = append(months, m.Format("2006-01"))
	}
	by := map[string]*Candidate{}
	for _, o := range occ {
		k := o.source + "\x00" + o.key
		c := by[k]
		if c == nil {
			c = &Candidate{Source: o.source, Key: o.key, Label: o.label}
			for _, m := range months {
				c.Months = append(c.Months, Month{Month: m})
			}
			by[k] = c
		}
		i := slices.Index(months, o.at.In(loc).Format("2006-01"))
		if i < 0 {
			continue
		}
		c.Count += o.count
		c.Hours += o.hours
		c.Months[i].Count += o.count
		c.Months[i].Hours += o.hours
	}
	out := []Candidate{}
	for _, c := range by {
		if c.Count >= MinOccurrences {
			c.Hours = round2(c.Hours)
			for i := range c.Months {
				c.Months[i].Hours = round2(c.Months[i].Hours)
			}
			out = append(out, *c)
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		switch {
		case a.Hours != b.Hours:
			if a.Hours > b.Hours {
				return -1
			}
			return 1
		case a.Count != b.Count:
			return b.Count - a.Count
		case a.Source != b.Source:
			return strings.Compare(a.Source, b.Source)
		}
		return strings.Compare(a.Key, b.Key)
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out, nil
}

func round2(v float64) float64 { return float64(int64(v*100+0.5)) / 100 }

// location is the tenant's zone, UTC when it has none or it is unknown.
func (s *Store) location(ctx context.Context, tenant string) *time.Location {
	var zone string
	_ = s.db.QueryRowContext(ctx, `SELECT time_zone FROM tenants WHERE id=?`, tenant).Scan(&zone)
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		return time.UTC
	}
	return loc
}

// occurrences reads the manual work of [from, to): catalog requests opened,
// incidents' work notes written, and work reports started in it. A work
// report attached to a catalog request or an incident adds its hours to
// that request's or incident's kind of work instead of counting apart, so
// one piece of work is never counted twice.
func (s *Store) occurrences(ctx context.Context, tenant string, from, to time.Time) ([]occurrence, error) {
	var out []occurrence
	add := func(q string, args []any, f func(scan func(...any) error) (occurrence, error)) error {
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("improvement: unable to read manual work: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			o, err := f(rows.Scan)
			if err != nil {
				return fmt.Errorf("improvement: unable to read manual work: %w", err)
			}
			out = append(out, o)
		}
		return rows.Err()
	}
	span := []any{tenant, database.Millis(from), database.Millis(to)}
	// Catalog requests, by their catalog item.
	err := add(`SELECT i.opened_at, COALESCE(c.name, '') FROM incidents i LEFT JOIN catalog_items c ON c.id = i.catalog_item_id
		WHERE i.tenant_id=? AND i.kind='request' AND i.opened_at>=? AND i.opened_at<? ORDER BY i.opened_at, i.id`, span,
		func(scan func(...any) error) (occurrence, error) {
			var at int64
			var name string
			err := scan(&at, &name)
			return occurrence{source: SourceRequest, key: name, label: name, at: database.FromMillis(at), count: 1}, err
		})
	if err != nil {
		return nil, err
	}
	// Incidents' work notes: each is one manual action on the incident.
	err = add(`SELECT e.at, i.cause_category FROM incident_events e JOIN incidents i ON i.id = e.incident_id
		WHERE e.tenant_id=? AND i.tenant_id=e.tenant_id AND i.kind='incident' AND e.kind='work_note' AND e.at>=? AND e.at<? ORDER BY e.at, e.id`, span,
		func(scan func(...any) error) (occurrence, error) {
			var at int64
			var cat string
			err := scan(&at, &cat)
			return occurrence{source: SourceIncident, key: normalise(cat), label: cat, at: database.FromMillis(at), count: 1}, err
		})
	if err != nil {
		return nil, err
	}
	// Work reports: apart, or as hours of the request or incident they
	// are attached to (an inquiry's work stays apart).
	err = add(`SELECT w.started_at, w.ended_at, w.subject, COALESCE(i.kind, ''), COALESCE(c.name, ''), COALESCE(i.cause_category, '')
		FROM work_reports w LEFT JOIN incidents i ON i.id = w.incident_id AND i.tenant_id = w.tenant_id
		LEFT JOIN catalog_items c ON c.id = i.catalog_item_id
		WHERE w.tenant_id=? AND w.started_at>=? AND w.started_at<? ORDER BY w.started_at, w.id`, span,
		func(scan func(...any) error) (occurrence, error) {
			var start, end int64
			var subject, kind, item, cause string
			if err := scan(&start, &end, &subject, &kind, &item, &cause); err != nil {
				return occurrence{}, err
			}
			o := occurrence{at: database.FromMillis(start), hours: float64(end-start) / float64(time.Hour.Milliseconds())}
			switch kind {
			case "request":
				o.source, o.key, o.label = SourceRequest, item, item
			case "incident":
				o.source, o.key, o.label = SourceIncident, normalise(cause), cause
			default:
				o.source, o.key, o.label, o.count = SourceWork, normalise(subject), subject, 1
			}
			return o, nil
		})
	return out, err
}
