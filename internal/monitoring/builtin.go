package monitoring

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"fmt"
	"path"

	"github.com/unyo-ops/unyo/internal/database"
)

// builtinFS holds the built-in templates, one JSON file each, named for the
// key that marks their rows, and the runbooks of some of them
// (builtin/runbooks/<key>.md).
//
//go:embed builtin/*.json builtin/runbooks/*.md
var builtinFS embed.FS

// builtinOrder is the order the built-ins are listed in: base OS first,
// then the collector's, then the cloud types of the cloudtype catalogue,
// network first.
var builtinOrder = []string{"linux-base", "windows-base", "apache", "tomcat", "http-service", "postgresql", "sqlserver", "collector",
	"azure-load-balancer", "azure-application-gateway", "azure-vpn-gateway", "azure-expressroute", "azure-nat-gateway", "azure-nsg",
	"azure-vm", "azure-vmss", "azure-sql-database", "azure-cosmos-db", "azure-app-service", "azure-app-service-plan",
	"azure-application-insights", "azure-avd-host-pool",
	"aws-alb", "aws-nlb", "aws-vpn", "aws-nat-gateway", "aws-ec2", "aws-rds"}

// Builtins returns fresh copies of the built-in templates, normalized and
// validated; an error means a file of this package is broken.
func Builtins() ([]*Template, error) {
	var out []*Template
	for _, key := range builtinOrder {
		t, err := loadBuiltin(key)
		if err != nil {
			return nil, fmt.Errorf("monitoring: built-in template %s: %w", key, err)
		}
		out = append(out, t)
	}
	return out, nil
}

func loadBuiltin(key string) (*Template, error) {
	data, err := builtinFS.ReadFile(path.Join("builtin", key+".json"))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t Template
	if err := dec.Decode(&t); err != nil {
		return nil, err
	}
	t.Builtin = key
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// SyncBuiltins writes the built-in templates as global templates: new ones
// are created, and existing ones take the code's items, matched by name so
// that assignments and per-host overrides survive an upgrade. Run it at
// every server start.
func (s *Store) SyncBuiltins(ctx context.Context) error {
	builtins, err := Builtins()
	if err != nil {
		return err
	}
	return database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		for _, t := range builtins {
			if err := s.syncBuiltinRunbook(ctx, tx, t); err != nil {
				return fmt.Errorf("monitoring: unable to sync the runbook of built-in template %s: %w", t.Builtin, err)
			}
			if err := s.syncBuiltin(ctx, tx, t); err != nil {
				return fmt.Errorf("monitoring: unable to sync built-in template %s: %w", t.Builtin, err)
			}
		}
		return nil
	})
}

func (s *Store) syncBuiltin(ctx context.Context, tx *sql.Tx, t *Template) error {
	err := tx.QueryRowContext(ctx, `SELECT id FROM monitoring_templates WHERE tenant_id IS NULL AND builtin=?`, t.Builtin).Scan(&t.ID)
	if err == sql.ErrNoRows {
		return s.insertTemplate(ctx, tx, t)
	}
	if err != nil {
		return err
	}
	title, _ := json.Marshal(t.Title)
	now := database.Millis(s.now())
	if _, err := tx.ExecContext(ctx, `UPDATE monitoring_templates SET name=?, title=?, description=?, updated_at=? WHERE id=?`,
		t.Name, string(title), t.Description, now, t.ID); err != nil {
		return err
	}
	old, err := queryItems(ctx, tx, `SELECT `+itemColumns+` FROM monitoring_items WHERE template_id=?`, t.ID)
	if err != nil {
		return err
	}
	return syncItems(ctx, tx, t, old, now)
}

// syncItems makes the template's rows hold exactly t.Items, keeping the ID
// (and so the overrides) of every item whose name stays.
func syncItems(ctx context.Context, tx *sql.Tx, t *Template, old []*Item, now int64) error {
	ids := map[string]int64{}
	for _, it := range old {
		ids[it.Name] = it.ID
	}
	for _, it := range t.Items {
		it.TemplateID = t.ID
		id, ok := ids[it.Name]
		delete(ids, it.Name)
		if !ok {
			if err := insertItem(ctx, tx, it, now); err != nil {
				return err
			}
			continue
		}
		it.ID = id
		_, err := tx.ExecContext(ctx, `UPDATE monitoring_items SET title=?, kind=?, description=?, spec=?,
			op=?, warning=?, critical=?, recovery=?, for_ms=?, interval_ms=?, severity=?, runbook_url=?, runbook_id=?, slr=?,
			incident_policy=?, notify=?, disabled=?, updated_at=? WHERE id=?`, append(itemValues(it), now, id)...)
		if err != nil {
			return err
		}
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM monitoring_items WHERE id=?`, id); err != nil {
			return err
		}
	}
	return nil
}
