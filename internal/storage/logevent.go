package storage

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// LogEvent is a log line that matched a monitoring item's pattern on a host.
type LogEvent struct {
	ID       int64             `json:"id"`
	TenantID string            `json:"tenant"`
	Time     time.Time         `json:"time"`
	Host     string            `json:"host"`
	Source   string            `json:"source"` // file path or event log channel
	Item     string            `json:"item"`
	Pattern  string            `json:"pattern"`
	Severity string            `json:"severity"`
	Message  string            `json:"message"`
	Labels   map[string]string `json:"labels"`
}

// dedupKey identifies an event by where and when it was seen: a batch sent
// twice (the agent retries until acknowledged) stores each event once.
func (e *LogEvent) dedupKey() []byte {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%d\x00%s", e.Host, e.Source, e.Item, e.Time.UnixNano(), e.Message)
	return h.Sum(nil)
}

// AddLogEvents stores events of tenant in one transaction and returns how
// many were new.
func (s *Store) AddLogEvents(ctx context.Context, tenant string, events []LogEvent) (int, error) {
	tx, err := database.Begin(ctx, s.db)
	if err != nil {
		return 0, fmt.Errorf("store: unable to add log events: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO log_events (tenant_id, at, host, source, item, pattern, severity, message, labels, dedup_key) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("store: unable to add log events: %w", err)
	}
	defer stmt.Close()
	added := 0
	for i := range events {
		e := &events[i]
		labels, _ := json.Marshal(nonNil(e.Labels))
		res, err := stmt.ExecContext(ctx, tenant, e.Time.UnixNano(), e.Host, e.Source, e.Item, e.Pattern, e.Severity, e.Message, string(labels), e.dedupKey())
		if err != nil {
			return 0, fmt.Errorf("store: unable to add log events: %w", err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("store: unable to add log events: %w", err)
	}
	return added, nil
}

// LogEventFilter narrows a search of log events.
type LogEventFilter struct {
	From, To time.Time // [From, To); zero means open
	Host     string
	Item     string
	Severity string
	Text     string // substring of the message, case-insensitive for ASCII
	Limit    int
}

// LogEvents returns tenant's events matching f, newest first.
func (s *Store) LogEvents(ctx context.Context, tenant string, f LogEventFilter) ([]LogEvent, error) {
	q := strings.Builder{}
	q.WriteString(`SELECT id, at, host, source, item, pattern, severity, message, labels FROM log_events WHERE tenant_id=?`)
	args := []any{tenant}
	add := func(cond string, v any) {
		q.WriteString(" AND " + cond)
		args = append(args, v)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UnixNano())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UnixNano())
	}
	if f.Host != "" {
		add("host = ?", f.Host)
	}
	if f.Item != "" {
		add("item = ?", f.Item)
	}
	if f.Severity != "" {
		add("severity = ?", f.Severity)
	}
	if f.Text != "" {
		// lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
		add(`lower(message) LIKE lower(?) ESCAPE '\'`, "%"+likeEscape(f.Text)+"%")
	}
	q.WriteString(" ORDER BY at DESC, id DESC LIMIT ?")
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to search log events: %w", err)
	}
	defer rows.Close()
	list := []LogEvent{}
	for rows.Next() {
		e := LogEvent{TenantID: tenant}
		var at int64
		var labels string
		if err := rows.Scan(&e.ID, &at, &e.Host, &e.Source, &e.Item, &e.Pattern, &e.Severity, &e.Message, &labels); err != nil {
			return nil, fmt.Errorf("store: unable to search log events: %w", err)
		}
		e.Time = time.Unix(0, at).UTC()
		json.Unmarshal([]byte(labels), &e.Labels)
		list = append(list, e)
	}
	return list, rows.Err()
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
