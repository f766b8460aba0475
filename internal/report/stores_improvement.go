package report

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/improvement"
)

// improvementSource adapts the improvement register to ImprovementSource.
type improvementSource struct{ store *improvement.Store }

func record(it *improvement.Item) ImprovementRecord {
	return ImprovementRecord{ID: it.ID, Title: it.Title, Category: it.Category, Proposal: it.Proposal, Effect: it.Effect,
		Owner: it.Owner, Due: it.Due, Status: string(it.Status)}
}

func (s improvementSource) OpenImprovements(ctx context.Context, tenant string) ([]ImprovementRecord, error) {
	items, err := s.store.List(ctx, tenant, improvement.Filter{OpenOnly: true})
	if err != nil {
		return nil, err
	}
	out := make([]ImprovementRecord, 0, len(items))
	for _, it := range items {
		out = append(out, record(it))
	}
	return out, nil
}

func (s improvementSource) Improvement(ctx context.Context, tenant string, id int64) (*ImprovementRecord, error) {
	it, err := s.store.Get(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	r := record(it)
	return &r, nil
}

func (s improvementSource) Automation(ctx context.Context, tenant string, first, last time.Time) ([]AutomationRecord, error) {
	cs, err := s.store.Candidates(ctx, tenant, first, last)
	if err != nil {
		return nil, err
	}
	out := make([]AutomationRecord, 0, len(cs))
	for _, c := range cs {
		a := AutomationRecord{Rank: c.Rank, Source: c.Source, Label: c.Label, Count: c.Count, Hours: c.Hours}
		for _, m := range c.Months {
			a.Months = append(a.Months, AutomationMonth(m))
		}
		out = append(out, a)
	}
	return out, nil
}
