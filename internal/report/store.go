package report

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

// State is where a report is in its life.
type State string

// The states of a report: a draft the operator edits, then published and
// frozen.
const (
	Draft     State = "draft"
	Published State = "published"
)

// Stored is a report as kept in the database, without its frozen files.
type Stored struct {
	ID          int64      `json:"id"`
	Tenant      string     `json:"tenant"`
	Service     string     `json:"service"` // a per-service report's service; "" the whole tenant's
	From        time.Time  `json:"from"`
	To          time.Time  `json:"to"`
	State       State      `json:"state"`
	CreatedBy   string     `json:"created_by"`
	PublishedBy string     `json:"published_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	Content     *Report    `json:"content,omitempty"`
	// TimeZone is the tenant's zone; FirstDay and LastDay (inclusive) are
	// the period's days in it, as the report itself names them: a
	// Tokyo report of 1–6 December is not "2026-11-30 – 2026-12-06".
	TimeZone string `json:"time_zone"`
	FirstDay string `json:"first_day"`
	LastDay  string `json:"last_day"`
}

// PeriodText is the period as its days in the tenant's zone:
// "2026-12-01 – 2026-12-06".
func (s *Stored) PeriodText() string {
	if s.FirstDay == s.LastDay {
		return s.FirstDay
	}
	return s.FirstDay + " – " + s.LastDay
}

// localize sets the period's days in zone (UTC when it is unknown).
func (s *Stored) localize(zone string) {
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		loc = time.UTC
	}
	s.TimeZone = loc.String()
	s.FirstDay = s.From.In(loc).Format(time.DateOnly)
	s.LastDay = s.To.Add(-time.Nanosecond).In(loc).Format(time.DateOnly)
}

// Recipient is one of a tenant's report contacts.
type Recipient struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Store keeps reports in SQLite; every query is scoped by tenant.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns the Store over db.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

// errFrozen is the answer to a change of a published report.
func errFrozen(id int64) error {
	return &response.StatusError{Status: http.StatusConflict, Message: fmt.Sprintf("report %d is published: a published report cannot be changed", id)}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMs(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := time.UnixMilli(n.Int64).UTC()
	return &t
}

// Create stores s as a new draft and sets its ID, with the audit entry ctx
// carries (storage.WithAudit) in the same transaction. A scheduled draft
// that already exists for the period is storage.ErrConflict.
func (st *Store) Create(ctx context.Context, s *Stored) error {
	b, err := json.Marshal(s.Content)
	if err != nil {
		return fmt.Errorf("report store: cannot encode report: %w", err)
	}
	now := st.now().UTC().Truncate(time.Millisecond)
	err = storage.Change(ctx, st.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO reports (tenant_id, service, period_from, period_to, state, content, created_by, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,?,?) RETURNING id`, s.Tenant, s.Service, ms(s.From), ms(s.To), Draft, string(b), s.CreatedBy, ms(now), ms(now)).Scan(&s.ID)
		if database.IsUnique(err) {
			return storage.Object{}, storage.ErrConflict
		}
		return storage.Object{ID: s.ID}, err
	})
	if errors.Is(err, storage.ErrConflict) {
		return err
	}
	if err != nil {
		return fmt.Errorf("report store: cannot create report: %w", err)
	}
	s.State, s.CreatedAt, s.UpdatedAt = Draft, now, now
	if s.Content != nil {
		s.localize(s.Content.TimeZone)
	}
	return nil
}

// columns are a report's, with its tenant's time zone.
const columns = `id, tenant_id, service, period_from, period_to, state, created_by, published_by, created_at, updated_at, published_at, delivered_at,
	COALESCE((SELECT t.time_zone FROM tenants t WHERE t.id = reports.tenant_id), '')`

func scan(sc func(...any) error, content *string) (*Stored, error) {
	var (
		s              Stored
		from, to       int64
		created, upd   int64
		pub, delivered sql.NullInt64
		zone           string
	)
	dest := []any{&s.ID, &s.Tenant, &s.Service, &from, &to, &s.State, &s.CreatedBy, &s.PublishedBy, &created, &upd, &pub, &delivered, &zone}
	if content != nil {
		dest = append(dest, content)
	}
	if err := sc(dest...); err != nil {
		return nil, err
	}
	s.From, s.To = time.UnixMilli(from).UTC(), time.UnixMilli(to).UTC()
	s.CreatedAt, s.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(upd).UTC()
	s.PublishedAt, s.DeliveredAt = fromMs(pub), fromMs(delivered)
	s.localize(zone)
	return &s, nil
}

// Get returns tenant's report id with its content.
func (st *Store) Get(ctx context.Context, tenant string, id int64) (*Stored, error) {
	var content string
	s, err := scan(st.db.QueryRowContext(ctx, `SELECT `+columns+`, content FROM reports WHERE tenant_id = ? AND id = ?`, tenant, id).Scan, &content)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("report store: cannot read report %d: %w", id, err)
	}
	s.Content = &Report{}
	if err := json.Unmarshal([]byte(content), s.Content); err != nil {
		return nil, fmt.Errorf("report store: report %d is not readable: %w", id, err)
	}
	return s, nil
}

// List returns tenant's reports, newest period first, without content;
// publishedOnly leaves the drafts out.
func (st *Store) List(ctx context.Context, tenant string, publishedOnly bool) ([]*Stored, error) {
	q := `SELECT ` + columns + ` FROM reports WHERE tenant_id = ?`
	if publishedOnly {
		q += ` AND state = 'published'`
	}
	rows, err := st.db.QueryContext(ctx, q+` ORDER BY period_from DESC, id DESC`, tenant)
	if err != nil {
		return nil, fmt.Errorf("report store: cannot list reports: %w", err)
	}
	defer rows.Close()
	out := []*Stored{}
	for rows.Next() {
		s, err := scan(rows.Scan, nil)
		if err != nil {
			return nil, fmt.Errorf("report store: cannot list reports: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// UpdateContent replaces the content of a draft, with the audit entry ctx
// carries; a published report is refused with 409.
func (st *Store) UpdateContent(ctx context.Context, tenant string, id int64, r *Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("report store: cannot encode report: %w", err)
	}
	return st.draftChange(ctx, tenant, id, `UPDATE reports SET content = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND state = 'draft'`,
		string(b), ms(st.now()), tenant, id)
}

// Publish freezes a draft with its rendered files, with the audit entry
// ctx carries.
func (st *Store) Publish(ctx context.Context, tenant string, id int64, by string, html, pdf []byte) error {
	now := ms(st.now())
	return st.draftChange(ctx, tenant, id, `UPDATE reports SET state = 'published', html = ?, pdf = ?, published_by = ?, published_at = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ? AND state = 'draft'`, html, pdf, by, now, now, tenant, id)
}

// draftChange runs query, an update of draft id only, as an audited change;
// when it changes no row it tells a missing report (404) from a published
// one (409).
func (st *Store) draftChange(ctx context.Context, tenant string, id int64, query string, args ...any) error {
	err := storage.Change(ctx, st.db, st.now(), func(tx *sql.Tx) (storage.Object, error) {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return storage.Object{}, fmt.Errorf("report store: cannot update report %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return storage.Object{ID: id}, nil
		}
		var state State
		err = tx.QueryRowContext(ctx, `SELECT state FROM reports WHERE tenant_id = ? AND id = ?`, tenant, id).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return storage.Object{}, storage.ErrNotFound
		}
		if err != nil {
			return storage.Object{}, fmt.Errorf("report store: cannot read report %d: %w", id, err)
		}
		return storage.Object{}, errFrozen(id)
	})
	var se *response.StatusError
	if err == nil || errors.Is(err, storage.ErrNotFound) || errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("report store: cannot update report %d: %w", id, err)
}

// File returns the frozen "html" or "pdf" of a published report.
func (st *Store) File(ctx context.Context, tenant string, id int64, kind string) ([]byte, error) {
	col := map[string]string{"html": "html", "pdf": "pdf"}[kind]
	if col == "" {
		return nil, fmt.Errorf("report store: no file %q", kind)
	}
	var b []byte
	err := st.db.QueryRowContext(ctx, `SELECT `+col+` FROM reports WHERE tenant_id = ? AND id = ? AND state = 'published'`, tenant, id).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("report store: cannot read report %d: %w", id, err)
	}
	return b, nil
}

// MarkDelivered records the time of the report's delivery, with the audit
// entry ctx carries.
func (st *Store) MarkDelivered(ctx context.Context, tenant string, id int64) error {
	err := storage.Change(ctx, st.db, st.now(), func(tx *sql.Tx) (storage.Object, error) {
		_, err := tx.ExecContext(ctx, `UPDATE reports SET delivered_at = ? WHERE tenant_id = ? AND id = ?`, ms(st.now()), tenant, id)
		return storage.Object{ID: id}, err
	})
	if err != nil {
		return fmt.Errorf("report store: cannot mark report %d delivered: %w", id, err)
	}
	return nil
}

// Recipients returns tenant's report contacts.
func (st *Store) Recipients(ctx context.Context, tenant string) ([]Recipient, error) {
	rows, err := database.On(ctx, st.db).QueryContext(ctx, `SELECT email, name FROM report_recipients WHERE tenant_id = ? ORDER BY email`, tenant)
	if err != nil {
		return nil, fmt.Errorf("report store: cannot list recipients: %w", err)
	}
	defer rows.Close()
	out := []Recipient{}
	for rows.Next() {
		var r Recipient
		if err := rows.Scan(&r.Email, &r.Name); err != nil {
			return nil, fmt.Errorf("report store: cannot list recipients: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetRecipients replaces tenant's report contacts in one transaction, with
// the audit entry ctx carries.
func (st *Store) SetRecipients(ctx context.Context, tenant string, rs []Recipient) error {
	now := st.now()
	err := storage.Change(ctx, st.db, now, func(tx *sql.Tx) (storage.Object, error) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM report_recipients WHERE tenant_id = ?`, tenant); err != nil {
			return storage.Object{}, err
		}
		for _, r := range rs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO report_recipients (tenant_id, email, name, created_at) VALUES (?,?,?,?)`, tenant, r.Email, r.Name, ms(now)); err != nil {
				return storage.Object{}, err
			}
		}
		return storage.Object{Detail: map[string]int{"recipients": len(rs)}}, nil
	})
	if err != nil {
		return fmt.Errorf("report store: cannot set recipients: %w", err)
	}
	return nil
}
