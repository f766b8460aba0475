package report

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// ImprovementSource reads the improvement register (サービス課題一覧) and the
// ranked automation candidates (自動化可能業務) of a tenant.
type ImprovementSource interface {
	// OpenImprovements lists the items still proposed, accepted or under way.
	OpenImprovements(ctx context.Context, tenant string) ([]ImprovementRecord, error)
	// Improvement reads one item, storage.ErrNotFound when the tenant has none.
	Improvement(ctx context.Context, tenant string, id int64) (*ImprovementRecord, error)
	// Automation ranks the recurring manual work of the months from first
	// to last, inclusive, in the tenant's zone.
	Automation(ctx context.Context, tenant string, first, last time.Time) ([]AutomationRecord, error)
}

// ImprovementRecord is one open item of the register as the report shows it.
type ImprovementRecord struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	Category string `json:"category"`
	Proposal string `json:"proposal"`
	Effect   string `json:"expected_effect"`
	Owner    string `json:"owner"`
	Due      string `json:"due"`
	Status   string `json:"status"`
}

// AutomationRecord is one kind of recurring manual work, ranked.
type AutomationRecord struct {
	Rank   int               `json:"rank"`
	Source string            `json:"source"` // work_report, catalog_request, incident
	Label  string            `json:"label"`
	Count  int               `json:"count"`
	Hours  float64           `json:"hours"`
	Months []AutomationMonth `json:"months"`
}

// AutomationMonth is one month's share of a candidate.
type AutomationMonth struct {
	Month string  `json:"month"` // YYYY-MM
	Count int     `json:"count"`
	Hours float64 `json:"hours"`
}

// automationMonths is how many months, ending with the report's last, the
// automation table looks at: one month rarely shows a routine.
const automationMonths = 3

// maxAutomationRows bounds the report's table; the console lists them all.
const maxAutomationRows = 10

// improvements reads the open items and the automation candidates; a
// report without the source has no such section.
func (g *Generator) improvements(ctx context.Context, r *Report) {
	src := g.src.Improvements
	if src == nil {
		return
	}
	items, err := src.OpenImprovements(ctx, r.Tenant)
	if err != nil {
		g.note(r, "improvements", "no.improvements.error", err)
	}
	r.Improvements = items
	if r.Improvements == nil {
		r.Improvements = []ImprovementRecord{}
	}
	last := r.To.Add(-time.Nanosecond).In(r.location())
	first := time.Date(last.Year(), last.Month()-automationMonths+1, 1, 0, 0, 0, 0, last.Location())
	auto, err := src.Automation(ctx, r.Tenant, first, last)
	if err != nil {
		g.note(r, "automation", "no.automation.error", err)
	}
	if len(auto) > maxAutomationRows {
		auto = auto[:maxAutomationRows]
	}
	r.Automation = auto
	if r.Automation == nil {
		r.Automation = []AutomationRecord{}
	}
}

func improvementBlocks(r *Report) []Block {
	l := r.Language
	var out []Block
	if len(r.Improvements) == 0 {
		out = append(out, Block{Note: tr(l, noteOr(r, "improvements", "no.improvements"))})
	} else {
		t := &Table{Head: []string{"#", tr(l, "title_col"), tr(l, "imp.category"), tr(l, "imp.owner"), tr(l, "imp.due"), tr(l, "imp.status"), tr(l, "imp.effect")}}
		for _, it := range r.Improvements {
			t.Rows = append(t.Rows, []string{strconv.FormatInt(it.ID, 10), it.Title, trOr(l, "imp.cat."+it.Category, it.Category),
				dash(it.Owner), dash(it.Due), trOr(l, "imp.st."+it.Status, it.Status), dash(it.Effect)})
		}
		out = append(out, Block{Table: t})
	}
	out = append(out, Block{Heading: tr(l, "s.automation")})
	if len(r.Automation) == 0 {
		return append(out, Block{Note: tr(l, noteOr(r, "automation", "no.automation"))})
	}
	head := []string{tr(l, "auto.rank"), tr(l, "auto.work"), tr(l, "auto.source")}
	for _, m := range r.Automation[0].Months {
		head = append(head, monthText(l, m.Month))
	}
	head = append(head, tr(l, "auto.total"))
	t := &Table{Head: head}
	cell := func(n int, h float64) string {
		if n == 0 && h == 0 {
			return "-"
		}
		return tr(l, "auto.cell", n, strconv.FormatFloat(h, 'f', -1, 64))
	}
	for _, a := range r.Automation {
		row := []string{strconv.Itoa(a.Rank), a.Label, tr(l, "auto.src."+a.Source)}
		for _, m := range a.Months {
			row = append(row, cell(m.Count, m.Hours))
		}
		t.Rows = append(t.Rows, append(row, cell(a.Count, a.Hours)))
	}
	return append(out, Block{Table: t}, Block{Text: tr(l, "auto.rule")})
}

// topicMeta is the line under a topic with its owner, due day and status,
// when it has any of them.
func topicMeta(l string, t Topic) string {
	var parts []string
	if t.Owner != "" {
		parts = append(parts, tr(l, "imp.owner")+": "+t.Owner)
	}
	if t.Due != "" {
		parts = append(parts, tr(l, "imp.due")+": "+t.Due)
	}
	if t.Status != "" {
		parts = append(parts, tr(l, "imp.status")+": "+trOr(l, "imp.st."+t.Status, t.Status))
	}
	return strings.Join(parts, " / ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// noteOr is the note recorded for section, or key when there is none.
func noteOr(r *Report, section, key string) string {
	if k, ok := r.Notes[section]; ok {
		return k
	}
	return key
}

// topicStatuses are the statuses a topic may follow, the register's.
var topicStatuses = map[string]bool{"": true, "proposed": true, "accepted": true, "in_progress": true, "done": true, "rejected": true}

// checkFollowUp checks topic i's owner, due day and status.
func checkFollowUp(i int, t Topic) error {
	field := func(name string) string { return "topics[" + strconv.Itoa(i) + "]." + name }
	switch {
	case utf8.RuneCountInString(t.Owner) > 100:
		return invalid.New(field("owner"), "is longer than 100 characters")
	case !topicStatuses[t.Status]:
		return invalid.New(field("status"), "must be proposed, accepted, in_progress, done or rejected, not %q", t.Status)
	case t.Improvement < 0:
		return invalid.New(field("improvement"), "must be the ID of an item of the improvement register")
	}
	if t.Due != "" {
		if _, err := time.Parse(time.DateOnly, t.Due); err != nil {
			return invalid.New(field("due"), "must be a day as YYYY-MM-DD, not %q", t.Due)
		}
	}
	return nil
}

// topics makes the draft's operator topics from an edit: a topic that
// names an item of the improvement register takes the item's title,
// proposal, owner, due day and status as they are now (what the operator
// wrote of them is kept where the item has none).
func (s *Service) topics(ctx context.Context, tenant string, in []Topic) ([]Topic, error) {
	out := make([]Topic, len(in))
	for i, t := range in {
		out[i] = Topic{Kind: "operator", Title: t.Title, Body: t.Body, Owner: t.Owner, Due: t.Due, Status: t.Status}
		if t.Improvement == 0 {
			continue
		}
		src := s.gen.src.Improvements
		if src == nil {
			return nil, invalid.New("topics["+strconv.Itoa(i)+"].improvement", "this server keeps no improvement register")
		}
		it, err := src.Improvement(ctx, tenant, t.Improvement)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, invalid.New("topics["+strconv.Itoa(i)+"].improvement", "no item %d in this tenant's improvement register", t.Improvement)
		}
		if err != nil {
			return nil, fmt.Errorf("report: cannot read improvement %d: %w", t.Improvement, err)
		}
		out[i] = Topic{Kind: "improvement", Improvement: it.ID, Title: it.Title, Body: it.Proposal,
			Owner: or(it.Owner, t.Owner), Due: or(it.Due, t.Due), Status: it.Status}
	}
	return out, nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
