package capacity

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/yearplan"
)

// DraftDocument maps one group's draft of the yearly plan onto a plan
// document. Each period of the draft (consecutive months with the same
// counts) becomes a season, its dates read in the draft's time zone (the
// months the customer saw); the last period's baseline is also the plain
// one, so that after the year the plan keeps the year's last counts rather
// than falling back to whatever it had before. Events keep their name,
// dates and count; the draft has no lead time or cool-down, which the MSP
// sets while the version is a draft. Two events of one name (a campaign
// that comes back) are told apart by their start date.
func DraftDocument(d yearplan.Draft) (Document, error) {
	loc, err := time.LoadLocation(d.TimeZone)
	if err != nil {
		return Document{}, fmt.Errorf("capacity: draft of group %d: %w", d.Group, err)
	}
	doc := Document{Seasons: []Season{}, Events: []Event{}}
	for _, p := range d.Periods {
		doc.Seasons = append(doc.Seasons, Season{
			Name:     p.From.In(loc).Format("2006-01"),
			From:     calendar.DateOf(p.From.In(loc)).String(),
			Until:    calendar.DateOf(p.To.In(loc)).String(),
			Baseline: baselineOf(p.Baseline),
		})
	}
	if n := len(d.Periods); n > 0 {
		doc.Baseline = baselineOf(d.Periods[n-1].Baseline)
	}
	names := map[string]bool{}
	for _, e := range d.Events {
		if e.Count <= 0 {
			continue // nothing to scale to: the forecast saw no load for it
		}
		name := e.Name
		if names[name] {
			name = fmt.Sprintf("%s (%s)", e.Name, e.Start.In(loc).Format(time.DateOnly))
		}
		names[name] = true
		doc.Events = append(doc.Events, Event{Name: name, Start: e.Start, End: e.End, Count: min(e.Count, maxCount)})
	}
	if err := doc.Validate(); err != nil {
		return Document{}, fmt.Errorf("capacity: draft of group %d: %w", d.Group, err)
	}
	return doc, nil
}

func baselineOf(b yearplan.Baseline) Baseline {
	out := Baseline{Default: b.Default, Rules: []Rule{}}
	for _, r := range b.Rules {
		out.Rules = append(out.Rules, Rule{Days: slices.Clone(r.Days), Start: r.Start, End: r.End, Count: r.Count})
	}
	return out
}

// Accepted is what accepting a yearly plan did to one group's plan.
type Accepted struct {
	Group   int64    `json:"group"`
	Version *Version `json:"version"`
	Created bool     `json:"created"` // false: this yearly plan had made this draft already
}

// errNothingNew rolls back an accept that found every draft made already:
// nothing changed, so nothing is audited.
var errNothingNew = errors.New("capacity: every draft exists")

// AcceptYearly stores, per group of docs, a new draft version made from the
// yearly plan origin names, with the reason "yearly plan YYYY accepted":
// one transaction, one audit entry. It is idempotent: a group that already
// has a version of origin.Key keeps it and gets no second one (the
// database holds (group, origin) unique, so two accepts at once cannot
// both add one either). The groups must be tenant's.
func (s *Store) AcceptYearly(ctx context.Context, tenant string, origin Origin, docs map[int64]Document, author string) ([]Accepted, error) {
	ids := make([]int64, 0, len(docs))
	for id := range docs {
		if _, err := s.Group(ctx, tenant, id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	detail, _ := json.Marshal(origin)
	reason := fmt.Sprintf("yearly plan %d accepted", origin.Year)
	var out []Accepted
	var err error
	for range 2 { // a concurrent accept that won the race: the second pass finds its drafts
		err = storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
			now := s.now().UTC().Truncate(time.Millisecond)
			out = out[:0]
			created := 0
			for _, id := range ids {
				v, err := scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM capacity_plan_versions
					WHERE tenant_id=? AND group_id=? AND origin=?`, tenant, id, origin.Key).Scan)
				if err == nil {
					out = append(out, Accepted{Group: id, Version: v})
					continue
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return storage.Object{}, err
				}
				v = &Version{GroupID: id, State: StateDraft, Document: docs[id], Reason: reason, Author: author,
					CreatedAt: now, UpdatedAt: now, Origin: &origin}
				if err := tx.QueryRowContext(ctx, `SELECT coalesce(MAX(version), 0) + 1 FROM capacity_plan_versions
					WHERE tenant_id=? AND group_id=?`, tenant, id).Scan(&v.Version); err != nil {
					return storage.Object{}, err
				}
				body, _ := json.Marshal(v.Document)
				if err := tx.QueryRowContext(ctx, `INSERT INTO capacity_plan_versions (tenant_id, group_id, version, state, document, reason,
					author, created_at, updated_at, proposed_by, approval, approved_by, approval_ref, activated_by, origin, origin_detail)
					VALUES (?,?,?,?,?,?,?,?,?,'','','','','',?,?) RETURNING id`,
					tenant, id, v.Version, v.State, string(body), reason, author, now.UnixMilli(), now.UnixMilli(), origin.Key, string(detail)).Scan(&v.ID); err != nil {
					return storage.Object{}, err
				}
				out = append(out, Accepted{Group: id, Version: v, Created: true})
				created++
			}
			if created == 0 {
				return storage.Object{}, errNothingNew
			}
			return storage.Object{Key: origin.Key}, nil
		})
		if !database.IsUnique(err) {
			break
		}
	}
	switch {
	case errors.Is(err, errNothingNew):
		return out, nil
	case database.IsUnique(err):
		return nil, invalid.New("from", "another accept of this yearly plan ran at the same moment: try again")
	case err != nil:
		return nil, fmt.Errorf("capacity: unable to accept the yearly plan: %w", err)
	}
	return out, nil
}
