package problem

import (
	"context"
	"strconv"

	"github.com/unyo-ops/unyo/internal/incident"
)

// Subject is what a known error is matched against: an incident's or an
// alert's monitoring items and hosts, its cause category, and the incident
// itself (a problem it is linked to matches whatever its scope).
type Subject struct {
	Incident int64
	Items    []int64
	Hosts    []int64
	Category string
}

// KnownErrors lists the known errors of tenant's problems matching sub:
// problems not closed, marked known error, whose match names one of sub's
// items or hosts or its category, or that sub's incident is linked to.
func (s *Store) KnownErrors(ctx context.Context, tenant string, sub Subject) ([]incident.KnownError, error) {
	want := map[Match]bool{}
	for _, id := range sub.Items {
		want[Match{MatchItem, strconv.FormatInt(id, 10)}] = true
	}
	for _, id := range sub.Hosts {
		want[Match{MatchHost, strconv.FormatInt(id, 10)}] = true
	}
	if sub.Category != "" {
		want[Match{MatchCategory, sub.Category}] = true
	}
	linked := map[int64]bool{}
	if sub.Incident != 0 {
		err := s.each(ctx, `SELECT problem_id FROM problem_incidents WHERE tenant_id=? AND incident_id=?`, []any{tenant, sub.Incident},
			func(sc func(...any) error) error {
				var id int64
				err := sc(&id)
				linked[id] = true
				return err
			})
		if err != nil {
			return nil, wrap("match known errors", err)
		}
	}
	var out []incident.KnownError
	err := s.each(ctx, `SELECT id, title, workaround, known_error_text, match_kind, match_key FROM problems
	WHERE tenant_id=? AND known_error=1 AND state<>'closed' ORDER BY id`, []any{tenant}, func(sc func(...any) error) error {
		var k incident.KnownError
		var m Match
		if err := sc(&k.ProblemID, &k.Title, &k.Workaround, &k.Text, &m.Kind, &m.Key); err != nil {
			return err
		}
		if linked[k.ProblemID] || (m.Kind != MatchNone && want[m]) {
			k.Number = number(k.ProblemID)
			out = append(out, k)
		}
		return nil
	})
	return out, wrap("match known errors", err)
}

// ForIncident is the incident desk's KnownErrorFunc: the known errors
// matching an incident's alerts' items, its hosts and its cause category.
func (s *Store) ForIncident(ctx context.Context, inc *incident.Incident) ([]incident.KnownError, error) {
	sub := Subject{Incident: inc.ID, Hosts: append([]int64(nil), inc.ResourceIDs...), Category: inc.CauseCategory}
	for _, a := range inc.Alerts {
		if a.ItemID != 0 {
			sub.Items = append(sub.Items, a.ItemID)
		}
		if a.ResourceID != 0 {
			sub.Hosts = append(sub.Hosts, a.ResourceID)
		}
	}
	return s.KnownErrors(ctx, inc.TenantID, sub)
}
