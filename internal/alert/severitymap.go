package alert

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	istorage "github.com/unyo-ops/unyo/internal/storage"
)

// OriginalSeverityLabel records, on an alert whose sender's severity unyo did
// not know, the severity the sender gave, e.g. "major".
const OriginalSeverityLabel = "original_severity"

// SeverityMap is a tenant's table from the severities its senders use
// (Alertmanager's severity label) to unyo's three, for the names unyo does
// not know itself: critical, error, page, high, disaster; warning, warn,
// average, medium (or none given); info, informational, low, none, notice.
// Names are compared in lower case. A name neither knows takes Unknown.
type SeverityMap struct {
	Unknown    Severity            `json:"unknown"`    // warning unless set
	Severities map[string]Severity `json:"severities"` // e.g. {"major": "critical", "minor": "warning"}
}

// DefaultSeverityMap is the table of a tenant that has set none.
func DefaultSeverityMap() SeverityMap {
	return SeverityMap{Unknown: SeverityWarning, Severities: map[string]Severity{}}
}

// maxSeverityNames bounds a tenant's table.
const maxSeverityNames = 200

// Validate checks the table and puts its names in lower case.
func (m *SeverityMap) Validate() error {
	if m.Unknown.rank() == 0 {
		return invalid.New("unknown", "must be critical, warning or info, not %q", m.Unknown)
	}
	if len(m.Severities) > maxSeverityNames {
		return invalid.New("severities", "holds %d names, more than %d", len(m.Severities), maxSeverityNames)
	}
	lower := make(map[string]Severity, len(m.Severities))
	for _, name := range slices.Sorted(maps.Keys(m.Severities)) {
		sev := m.Severities[name]
		key := strings.ToLower(strings.TrimSpace(name))
		switch {
		case key == "" || len(key) > 64:
			return invalid.New("severities", "a name must be 1 to 64 characters, not %q", name)
		case sev.rank() == 0:
			return invalid.New("severities."+name, "must be critical, warning or info, not %q", sev)
		}
		if _, dup := lower[key]; dup {
			return invalid.New("severities."+name, "is given twice, in another case")
		}
		lower[key] = sev
	}
	m.Severities = lower
	return nil
}

// resolve returns the severity of a sender's name for it that unyo does
// not know itself.
func (m *SeverityMap) resolve(name string) Severity {
	if sev, ok := m.Severities[strings.ToLower(name)]; ok {
		return sev
	}
	return m.Unknown
}

// SeverityMap returns tenant's table, the default when it has set none.
func (s *Store) SeverityMap(ctx context.Context, tenant string) (SeverityMap, error) {
	var raw string
	err := s.db.QueryRowContext(ctx, `SELECT map FROM alert_severity_maps WHERE tenant_id=?`, tenant).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultSeverityMap(), nil
	}
	if err != nil {
		return SeverityMap{}, fmt.Errorf("alert: unable to read the severity map: %w", err)
	}
	m := DefaultSeverityMap()
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return SeverityMap{}, fmt.Errorf("alert: unable to decode the severity map of %s: %w", tenant, err)
	}
	if m.Severities == nil {
		m.Severities = map[string]Severity{}
	}
	return m, nil
}

// SetSeverityMap validates m and stores it as tenant's table.
func (s *Store) SetSeverityMap(ctx context.Context, tenant string, m *SeverityMap, now time.Time) error {
	if err := m.Validate(); err != nil {
		return err
	}
	err := istorage.Change(ctx, s.db, now, func(tx *sql.Tx) (istorage.Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO alert_severity_maps (tenant_id, map, updated_at) VALUES (?,?,?)
			ON CONFLICT (tenant_id) DO UPDATE SET map=excluded.map, updated_at=excluded.updated_at`,
			tenant, mustJSON(m), now.UnixMilli())
		return istorage.Object{Key: tenant, Detail: m}, err
	})
	if err != nil {
		return fmt.Errorf("alert: unable to store the severity map: %w", err)
	}
	return nil
}
