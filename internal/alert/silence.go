package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	istorage "github.com/unyo-ops/unyo/internal/storage"
)

// Matcher is one label matcher of a silence, as Alertmanager's: Op is
// "=", "!=", "=~" or "!~"; a regular expression matches the whole value.
type Matcher struct {
	Name  string `json:"name"`
	Op    string `json:"op"`
	Value string `json:"value"`
}

// String is the matcher as Alertmanager writes it: host=~"web-.*".
func (m Matcher) String() string { return m.Name + m.Op + strconv.Quote(m.Value) }

// Silence holds the notifications of every alert of a tenant whose labels
// match all its matchers, from StartsAt to EndsAt. The labels are the
// alert's own with host (the resource) and severity added, so "host=web-01"
// and "severity=warning" work for every source.
type Silence struct {
	ID        int64     `json:"id"`
	TenantID  string    `json:"tenant"`
	Matchers  []Matcher `json:"matchers"`
	StartsAt  time.Time `json:"starts_at"`
	EndsAt    time.Time `json:"ends_at"`
	Comment   string    `json:"comment"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SilenceState is where a silence stands at an instant, as Alertmanager shows it.
type SilenceState string

// The states of a silence.
const (
	SilencePending SilenceState = "pending" // starts later
	SilenceActive  SilenceState = "active"
	SilenceExpired SilenceState = "expired"
)

// State is the silence's state at at.
func (s *Silence) State(at time.Time) SilenceState {
	switch {
	case at.Before(s.StartsAt):
		return SilencePending
	case at.Before(s.EndsAt):
		return SilenceActive
	}
	return SilenceExpired
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// compile checks the matchers and returns Prometheus's own, which anchor
// regular expressions as Alertmanager does.
func compileMatchers(ms []Matcher) ([]*labels.Matcher, error) {
	if len(ms) == 0 {
		return nil, invalid.New("matchers", "at least one is required")
	}
	if len(ms) > 20 {
		return nil, invalid.New("matchers", "at most 20")
	}
	out := make([]*labels.Matcher, 0, len(ms))
	nonEmpty := false
	for i, m := range ms {
		field := fmt.Sprintf("matchers[%d]", i)
		if !labelNameRE.MatchString(m.Name) {
			return nil, invalid.New(field+".name", "%q is not a label name (letters, digits and _, not starting with a digit)", m.Name)
		}
		var t labels.MatchType
		switch m.Op {
		case "=":
			t = labels.MatchEqual
		case "!=":
			t = labels.MatchNotEqual
		case "=~":
			t = labels.MatchRegexp
		case "!~":
			t = labels.MatchNotRegexp
		default:
			return nil, invalid.New(field+".op", "must be =, !=, =~ or !~, not %q", m.Op)
		}
		if len(m.Value) > 1000 {
			return nil, invalid.New(field+".value", "is longer than 1000 characters")
		}
		lm, err := labels.NewMatcher(t, m.Name, m.Value)
		if err != nil {
			return nil, invalid.New(field+".value", "is not a regular expression: %v", err)
		}
		nonEmpty = nonEmpty || !lm.Matches("")
		out = append(out, lm)
	}
	if !nonEmpty {
		// Alertmanager's rule: a silence of matchers that all match an
		// absent label would silence every alert of the tenant.
		return nil, invalid.New("matchers", "at least one must not match an empty value, or the silence would hold every alert")
	}
	return out, nil
}

// validate checks s as of now: matchers, a range ending in the future and
// at most 90 days ahead, a comment saying why.
func (s *Silence) validate(now time.Time) error {
	if _, err := compileMatchers(s.Matchers); err != nil {
		return err
	}
	switch {
	case s.EndsAt.IsZero():
		return invalid.New("ends_at", "is required (or a duration)")
	case !s.EndsAt.After(s.StartsAt):
		return invalid.New("ends_at", "must be after starts_at %s", s.StartsAt.UTC().Format(time.RFC3339))
	case !s.EndsAt.After(now):
		return invalid.New("ends_at", "%s is not in the future", s.EndsAt.UTC().Format(time.RFC3339))
	case s.EndsAt.Sub(now) > maxSilence:
		return invalid.New("ends_at", "is more than 90 days ahead: silence for less, and again if need be")
	case strings.TrimSpace(s.Comment) == "":
		return invalid.New("comment", "is required: say why the alerts are silenced")
	case utf8.RuneCountInString(s.Comment) > 2000:
		return invalid.New("comment", "is longer than 2000 characters")
	}
	return nil
}

// Validate checks s as CreateSilence would at now, a zero or past start
// being now: what a design's silence is checked with before it is applied.
func (s *Silence) Validate(now time.Time) error {
	c := *s
	if c.StartsAt.IsZero() || c.StartsAt.Before(now) {
		c.StartsAt = now
	}
	return c.validate(now)
}

// MatchLabels are the labels a silence matches an alert by: its own, with
// host and severity.
func (a *Alert) MatchLabels() map[string]string {
	m := make(map[string]string, len(a.Labels)+2)
	for k, v := range a.Labels {
		m[k] = v
	}
	if _, ok := m["host"]; !ok && a.Resource != "" {
		m["host"] = a.Resource
	}
	m["severity"] = string(a.Severity)
	return m
}

// compiledSilence is a stored silence ready to match.
type compiledSilence struct {
	id         int64
	start, end time.Time
	matchers   []*labels.Matcher
}

func (c compiledSilence) matches(lbls map[string]string, at time.Time) bool {
	if at.Before(c.start) || !at.Before(c.end) {
		return false
	}
	for _, m := range c.matchers {
		if !m.Matches(lbls[m.Name]) {
			return false
		}
	}
	return true
}

// silenceCache holds each tenant's silences that have not ended, compiled;
// every write through the store drops the tenant's entry.
type silenceCache struct {
	mu     sync.Mutex
	m      map[string][]compiledSilence
	loaded map[string]time.Time // when each tenant's entry was read
	maxAge time.Duration        // see SetCacheMaxAge
}

// SetCacheMaxAge makes a tenant's cached silences be read again once older
// than d: with replicas on one database, a silence created or expired on
// one replica holds on the others within d. Zero (the default, one
// server) trusts the cache until a write of this process drops it.
func (s *Store) SetCacheMaxAge(d time.Duration) { s.silences.maxAge = d }

// SilencedBy returns the ID of a silence of tenant holding an alert with
// labels lbls at at, 0 for none.
func (s *Store) SilencedBy(ctx context.Context, tenant string, lbls map[string]string, at time.Time) (int64, error) {
	list, err := s.compiledSilences(ctx, tenant, at)
	if err != nil {
		return 0, err
	}
	for _, c := range list {
		if c.matches(lbls, at) {
			return c.id, nil
		}
	}
	return 0, nil
}

func (s *Store) compiledSilences(ctx context.Context, tenant string, at time.Time) ([]compiledSilence, error) {
	s.silences.mu.Lock()
	defer s.silences.mu.Unlock()
	if list, ok := s.silences.m[tenant]; ok && (s.silences.maxAge <= 0 || time.Since(s.silences.loaded[tenant]) < s.silences.maxAge) {
		return list, nil
	}
	start := time.Now()
	stored, err := s.listSilences(ctx, tenant, at)
	if err != nil {
		return nil, err
	}
	var list []compiledSilence
	for _, st := range stored {
		ms, err := compileMatchers(st.Matchers)
		if err != nil {
			continue // validated on the way in; an unreadable silence holds nothing
		}
		list = append(list, compiledSilence{id: st.ID, start: st.StartsAt, end: st.EndsAt, matchers: ms})
	}
	if s.silences.m == nil {
		s.silences.m, s.silences.loaded = map[string][]compiledSilence{}, map[string]time.Time{}
	}
	s.silences.m[tenant], s.silences.loaded[tenant] = list, start
	return list, nil
}

// ForgetSilences drops tenant's cached silences: silences written in a
// transaction that has since committed (a design's apply) hold at once.
func (e *Engine) ForgetSilences(tenant string) { e.store.forgetSilences(tenant) }

func (s *Store) forgetSilences(tenant string) {
	s.silences.mu.Lock()
	delete(s.silences.m, tenant)
	s.silences.mu.Unlock()
}

// listSilences lists tenant's silences, those ending after since only when
// since is not zero, newest first.
func (s *Store) listSilences(ctx context.Context, tenant string, since time.Time) ([]*Silence, error) {
	q := `SELECT id, tenant_id, matchers, starts_at, ends_at, comment, created_by, created_at, updated_at
		FROM alert_silences WHERE tenant_id=?`
	args := []any{tenant}
	if !since.IsZero() {
		q += ` AND ends_at > ?`
		args = append(args, database.Millis(since))
	}
	rows, err := database.On(ctx, s.db).QueryContext(ctx, q+` ORDER BY id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("alert: unable to list silences: %w", err)
	}
	defer rows.Close()
	var out []*Silence
	for rows.Next() {
		st, err := scanSilence(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

func scanSilence(scan func(...any) error) (*Silence, error) {
	var st Silence
	var matchers string
	var start, end, created, updated int64
	if err := scan(&st.ID, &st.TenantID, &matchers, &start, &end, &st.Comment, &st.CreatedBy, &created, &updated); err != nil {
		return nil, fmt.Errorf("alert: unable to read silence: %w", err)
	}
	if err := json.Unmarshal([]byte(matchers), &st.Matchers); err != nil {
		return nil, fmt.Errorf("alert: silence %d has unreadable matchers: %w", st.ID, err)
	}
	st.StartsAt, st.EndsAt = database.FromMillis(start), database.FromMillis(end)
	st.CreatedAt, st.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	return &st, nil
}

// Silences lists tenant's silences, newest first: those still to come or
// running, and those ended in the last week (for the record).
func (e *Engine) Silences(ctx context.Context, tenant string) ([]*Silence, error) {
	return e.store.listSilences(ctx, tenant, e.opts.Now().Add(-7*24*time.Hour))
}

// CreateSilence validates and stores a silence of s.TenantID by actor; a
// zero StartsAt starts it now. The audit entry ctx carries is written with it.
func (e *Engine) CreateSilence(ctx context.Context, s *Silence, actor string) error {
	now := e.opts.Now().UTC()
	if s.StartsAt.IsZero() || s.StartsAt.Before(now) {
		s.StartsAt = now
	}
	s.StartsAt, s.EndsAt, s.Comment = s.StartsAt.UTC(), s.EndsAt.UTC(), strings.TrimSpace(s.Comment)
	if err := s.validate(now); err != nil {
		return err
	}
	s.CreatedBy, s.CreatedAt, s.UpdatedAt = actor, now, now
	ms, _ := json.Marshal(s.Matchers)
	err := istorage.Change(ctx, e.store.db, now, func(tx *sql.Tx) (istorage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO alert_silences (tenant_id, matchers, starts_at, ends_at, comment, created_by, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?) RETURNING id`, s.TenantID, string(ms), database.Millis(s.StartsAt), database.Millis(s.EndsAt),
			s.Comment, actor, database.Millis(now), database.Millis(now)).Scan(&s.ID)
		if err != nil {
			return istorage.Object{}, fmt.Errorf("alert: unable to store silence: %w", err)
		}
		return istorage.Object{ID: s.ID, Type: "silence", Detail: map[string]any{"matchers": s.Matchers, "starts_at": s.StartsAt, "ends_at": s.EndsAt}}, nil
	})
	e.store.forgetSilences(s.TenantID)
	return err
}

// ExpireSilence ends silence id of tenant now; an unknown one is
// storage.ErrNotFound, an ended one is refused.
func (e *Engine) ExpireSilence(ctx context.Context, tenant string, id int64) error {
	now := e.opts.Now().UTC()
	err := istorage.Change(ctx, e.store.db, now, func(tx *sql.Tx) (istorage.Object, error) {
		st, err := scanSilence(tx.QueryRowContext(ctx, `SELECT id, tenant_id, matchers, starts_at, ends_at, comment, created_by, created_at, updated_at
			FROM alert_silences WHERE tenant_id=? AND id=?`, tenant, id).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return istorage.Object{}, istorage.ErrNotFound
		}
		if err != nil {
			return istorage.Object{}, err
		}
		if st.State(now) == SilenceExpired {
			return istorage.Object{}, invalid.New("silence", "ended already at %s", st.EndsAt.Format(time.RFC3339))
		}
		end := now
		if st.StartsAt.After(now) {
			end = st.StartsAt // a silence yet to come ends before it begins
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alert_silences SET ends_at=?, updated_at=? WHERE tenant_id=? AND id=?`,
			database.Millis(end), database.Millis(now), tenant, id); err != nil {
			return istorage.Object{}, fmt.Errorf("alert: unable to expire silence: %w", err)
		}
		return istorage.Object{ID: id, Type: "silence"}, nil
	})
	e.store.forgetSilences(tenant)
	return err
}

// PreviewSilence lists the tenant's active (firing or pending) alerts the
// matchers would hold, so an operator sees what a silence does before
// making it.
func (e *Engine) PreviewSilence(ctx context.Context, tenant string, ms []Matcher) ([]*Alert, error) {
	compiled, err := compileMatchers(ms)
	if err != nil {
		return nil, err
	}
	list, err := e.store.List(ctx, tenant, Filter{States: []State{StateFiring, StatePending}, Limit: 10000})
	if err != nil {
		return nil, err
	}
	c := compiledSilence{start: time.Time{}, end: time.Unix(1<<40, 0), matchers: compiled}
	var out []*Alert
	for _, a := range list {
		if c.matches(a.MatchLabels(), e.opts.Now()) {
			out = append(out, a)
		}
	}
	return out, nil
}

// silencedNow reports whether a is silenced at at: by hand (SilencedUntil)
// or by a matching silence. A silence that cannot be read holds nothing:
// better a notification too many than a fault nobody hears of.
func (e *Engine) silencedNow(ctx context.Context, a *Alert, at time.Time) bool {
	if a.silenced(at) || e.storedSilence(ctx, a, at) {
		return true
	}
	id, err := e.store.SilencedBy(ctx, a.TenantID, a.MatchLabels(), at)
	if err != nil {
		e.logger.Warn("cannot read silences; treating the alert as not silenced", "tenant", a.TenantID, "err", err)
	}
	return id != 0
}
