package monitoring

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// ItemList is the monitoring item list (監視項目一覧) of a tenant: every
// enabled item of every resource, as the customer signs it off.
type ItemList struct {
	Lang       string
	TenantID   string
	TenantName string
	Date       string // the day it was made, in the tenant's time zone
	Rows       []Row
}

// ItemList builds the item list of tenant in lang ("ja" or "en"; the
// tenant's language when empty), dated now.
func (s *Store) ItemList(ctx context.Context, tenant, lang string, now time.Time) (*ItemList, error) {
	var name, tenantLang, zone string
	err := s.db.QueryRowContext(ctx, `SELECT name, language, time_zone FROM tenants WHERE id=?`, tenant).Scan(&name, &tenantLang, &zone)
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("monitoring: no tenant %q: %w", tenant, storage.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to fetch tenant: %w", err)
	}
	if lang == "" {
		lang = tenantLang
	}
	if lang != LangJa && lang != LangEn {
		return nil, invalid.New("lang", "must be ja or en, not %q", lang)
	}
	if loc, err := time.LoadLocation(zone); err == nil {
		now = now.In(loc)
	}
	l := &ItemList{Lang: lang, TenantID: tenant, TenantName: name, Date: now.Format("2006-01-02")}
	if l.Rows, err = s.rows(ctx, tenant, lang); err != nil {
		return nil, err
	}
	return l, nil
}

// RowSource gives the item list the rows of checks kept outside the
// monitoring design, so the list stays the whole of what is watched: the
// backup policies and their compliance rules (*backup.Store is one).
type RowSource interface {
	ItemRows(ctx context.Context, tenant, lang string) ([]Row, error)
}

// AddRows appends src's rows to every item list, after the items. Call it
// before serving.
func (s *Store) AddRows(src RowSource) { s.extra = append(s.extra, src) }

// rows lists the enabled items of every resource of tenant, by resource
// name, then the rows of the other sources.
func (s *Store) rows(ctx context.Context, tenant, lang string) ([]Row, error) {
	resources, err := s.resources.Resources(ctx, tenant, storage.ResourceFilter{})
	if err != nil {
		return nil, fmt.Errorf("monitoring: unable to list resources: %w", err)
	}
	rows := []Row{}
	titles := map[int64]string{} // runbook titles by ID, read once per list
	for _, res := range resources {
		items, err := s.EffectiveItems(ctx, tenant, res.ID)
		if err != nil {
			return nil, err
		}
		first := true
		for i := range items {
			if items[i].Disabled {
				continue
			}
			row := newRow(lang, &items[i])
			if id := items[i].RunbookID; id != 0 && items[i].RunbookURL == "" {
				if row.Runbook, err = s.runbookTitle(ctx, tenant, id, titles); err != nil {
					return nil, err
				}
			}
			row.No, row.FirstOfHost, first = len(rows)+1, first, false
			rows = append(rows, row)
		}
	}
	for _, src := range s.extra {
		more, err := src.ItemRows(ctx, tenant, lang)
		if err != nil {
			return nil, fmt.Errorf("monitoring: unable to list other checks: %w", err)
		}
		for i := range more {
			more[i].No = len(rows) + 1
			rows = append(rows, more[i])
		}
	}
	return rows, nil
}

// Columns are the headings of the list in its language, in CSV order.
func (l *ItemList) Columns() []string {
	keys := []string{"no", "host", "target", "item", "kind", "warning", "critical", "recovery",
		"interval", "for", "severity", "action", "runbook", "slr"}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = word(l.Lang, "col."+k)
	}
	return out
}

// Word returns a fixed text of the list (its title, the sign-off box) in its language.
func (l *ItemList) Word(key string) string { return word(l.Lang, key) }

// runbookTitle is how the item list names the stored runbook id: its title,
// which the customer can read, or #id when the tenant cannot read it (it
// was deleted since).
func (s *Store) runbookTitle(ctx context.Context, tenant string, id int64, cache map[int64]string) (string, error) {
	if t, ok := cache[id]; ok {
		return t, nil
	}
	var title string
	err := s.db.QueryRowContext(ctx, `SELECT title FROM runbooks WHERE id=? AND (tenant_id IS NULL OR tenant_id=?)`, id, tenant).Scan(&title)
	switch {
	case err == sql.ErrNoRows:
		title = fmt.Sprintf("#%d", id)
	case err != nil:
		return "", fmt.Errorf("monitoring: unable to read runbook %d: %w", id, err)
	}
	cache[id] = title
	return title, nil
}
