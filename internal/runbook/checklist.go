package runbook

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Checklist is a tenant's daily operator checklist (日次点検): the items an
// operator ticks off each day.
type Checklist struct {
	ID        int64     `json:"id"`
	TenantID  string    `json:"tenant"`
	Name      string    `json:"name"`
	Items     []string  `json:"items"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate reports the first field that is not acceptable.
func (c *Checklist) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return invalid.New("name", "is required")
	}
	if utf8.RuneCountInString(c.Name) > 200 {
		return invalid.New("name", "is longer than 200 characters")
	}
	if len(c.Items) == 0 || len(c.Items) > 200 {
		return invalid.New("items", "must list 1 to 200 items")
	}
	for i, it := range c.Items {
		if strings.TrimSpace(it) == "" || utf8.RuneCountInString(it) > 500 || !utf8.ValidString(it) {
			return invalid.New(fmt.Sprintf("items[%d]", i), "must be text of 1 to 500 characters")
		}
	}
	return nil
}

// Mark is one item of one day's run: done or not, by whom, when, with a note.
type Mark struct {
	Item   int        `json:"item"`
	Text   string     `json:"text"`
	Done   bool       `json:"done"`
	DoneBy string     `json:"done_by,omitempty"`
	DoneAt *time.Time `json:"done_at,omitempty"`
	Note   string     `json:"note,omitempty"`
}

// Day is one day's run of a checklist.
type Day struct {
	ChecklistID int64  `json:"checklist_id"`
	Date        string `json:"date"` // YYYY-MM-DD in the tenant's zone, as the operator names it
	Done        int    `json:"done"`
	Total       int    `json:"total"`
	Marks       []Mark `json:"items"`
}

func scanChecklist(sc func(...any) error) (*Checklist, error) {
	var c Checklist
	var items string
	var created, updated int64
	if err := sc(&c.ID, &c.TenantID, &c.Name, &items, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(items), &c.Items); err != nil {
		return nil, fmt.Errorf("runbook: checklist %d items: %w", c.ID, err)
	}
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &c, nil
}

// CreateChecklist stores a new checklist of c.TenantID.
func (s *Store) CreateChecklist(ctx context.Context, c *Checklist) error {
	if err := c.Validate(); err != nil {
		return err
	}
	items, _ := json.Marshal(c.Items)
	now := s.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO checklists (tenant_id, name, items, created_at, updated_at) VALUES (?,?,?,?,?) RETURNING id`,
			c.TenantID, c.Name, string(items), now.UnixMilli(), now.UnixMilli()).Scan(&c.ID)
		return storage.Object{ID: c.ID, Detail: c}, err
	})
	if database.IsUnique(err) {
		return invalid.New("name", "a checklist %q already exists", c.Name)
	}
	if err != nil {
		return fmt.Errorf("runbook: unable to create checklist: %w", err)
	}
	return nil
}

// UpdateChecklist replaces the name and items. Completion records stay with
// the item position they were made for.
func (s *Store) UpdateChecklist(ctx context.Context, c *Checklist) error {
	if err := c.Validate(); err != nil {
		return err
	}
	items, _ := json.Marshal(c.Items)
	c.UpdatedAt = s.now().UTC()
	err := storage.Change(ctx, s.db, c.UpdatedAt, func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{ID: c.ID, Detail: c}, storage.RowsAffected(tx.ExecContext(ctx, `UPDATE checklists SET name=?, items=?, updated_at=? WHERE tenant_id=? AND id=?`,
			c.Name, string(items), c.UpdatedAt.UnixMilli(), c.TenantID, c.ID))
	})
	if database.IsUnique(err) {
		return invalid.New("name", "a checklist %q already exists", c.Name)
	}
	if err != nil {
		return fmt.Errorf("runbook: unable to update checklist: %w", err)
	}
	return nil
}

// Checklist returns one checklist of tenant.
func (s *Store) Checklist(ctx context.Context, tenant string, id int64) (*Checklist, error) {
	c, err := scanChecklist(s.db.QueryRowContext(ctx, `SELECT id, tenant_id, name, items, created_at, updated_at
		FROM checklists WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	return c, err
}

// Checklists lists the tenant's checklists by name.
func (s *Store) Checklists(ctx context.Context, tenant string) ([]*Checklist, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, tenant_id, name, items, created_at, updated_at FROM checklists
		WHERE tenant_id=? ORDER BY name LIMIT 1000`, tenant)
	if err != nil {
		return nil, fmt.Errorf("runbook: unable to list checklists: %w", err)
	}
	defer rows.Close()
	list := []*Checklist{}
	for rows.Next() {
		c, err := scanChecklist(rows.Scan)
		if err != nil {
			return nil, err
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// DeleteChecklist removes a checklist of tenant and its records.
func (s *Store) DeleteChecklist(ctx context.Context, tenant string, id int64) error {
	return s.remove(ctx, "checklist", id, `DELETE FROM checklists WHERE tenant_id=? AND id=?`, tenant, id)
}

// remove runs the DELETE of object id, which must touch a row, as an
// audited change.
func (s *Store) remove(ctx context.Context, what string, id int64, query string, args ...any) error {
	err := storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{ID: id}, storage.RowsAffected(tx.ExecContext(ctx, query, args...))
	})
	if err != nil {
		return fmt.Errorf("runbook: unable to delete %s: %w", what, err)
	}
	return nil
}

// ParseDay checks a YYYY-MM-DD date.
func ParseDay(s string) (string, error) {
	d, err := calendar.ParseDate(s)
	if err != nil {
		return "", invalid.New("date", "must be a date such as 2026-01-05, not %q", s)
	}
	return d.String(), nil
}

// Day returns the checklist's run of date.
func (s *Store) Day(ctx context.Context, tenant string, id int64, date string) (*Day, error) {
	c, err := s.Checklist(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	day := &Day{ChecklistID: id, Date: date, Total: len(c.Items)}
	for i, text := range c.Items {
		day.Marks = append(day.Marks, Mark{Item: i, Text: text})
	}
	rows, err := s.db.QueryContext(ctx, `SELECT item, done_by, done_at, note FROM checklist_marks WHERE checklist_id=? AND day=?`, id, date)
	if err != nil {
		return nil, fmt.Errorf("runbook: unable to read the day: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var item int
		var by, note string
		var at int64
		if err := rows.Scan(&item, &by, &at, &note); err != nil {
			return nil, fmt.Errorf("runbook: unable to read the day: %w", err)
		}
		if item >= len(day.Marks) {
			continue // the item was removed from the checklist since
		}
		t := time.UnixMilli(at).UTC()
		day.Marks[item] = Mark{Item: item, Text: c.Items[item], Done: true, DoneBy: by, DoneAt: &t, Note: note}
		day.Done++
	}
	return day, rows.Err()
}

// Complete records that item of the checklist was done on date by who. An
// item is completed once a day; a second completion is refused, so the
// record of who did it first stays.
func (s *Store) Complete(ctx context.Context, tenant string, id int64, date string, item int, who, note string) (*Day, error) {
	c, err := s.Checklist(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if item < 0 || item >= len(c.Items) {
		return nil, invalid.New("item", "must be 0 to %d", len(c.Items)-1)
	}
	if utf8.RuneCountInString(note) > 2000 {
		return nil, invalid.New("note", "is longer than 2000 characters")
	}
	now := s.now()
	err = storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO checklist_marks (checklist_id, day, item, done_by, done_at, note) VALUES (?,?,?,?,?,?)`,
			id, date, item, who, now.UnixMilli(), note)
		return storage.Object{ID: id}, err
	})
	if database.IsUnique(err) {
		return nil, storage.ErrConflict
	}
	if err != nil {
		return nil, fmt.Errorf("runbook: unable to record completion: %w", err)
	}
	return s.Day(ctx, tenant, id, date)
}
