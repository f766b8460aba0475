package incident

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/unyo-ops/unyo/internal/calendar"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// FieldType is the type of a catalog item's field.
type FieldType string

// The field types a request's values are checked against.
const (
	FieldString  FieldType = "string"  // one line
	FieldText    FieldType = "text"    // several lines
	FieldNumber  FieldType = "number"  // a JSON number
	FieldBoolean FieldType = "boolean" // true or false
	FieldDate    FieldType = "date"    // YYYY-MM-DD
	FieldChoice  FieldType = "choice"  // one of Choices
)

// FieldSpec is one field a request for the item fills in.
type FieldSpec struct {
	Name     string    `json:"name"` // key in the request's values
	Label    string    `json:"label"`
	Type     FieldType `json:"type"`
	Required bool      `json:"required"`
	Choices  []string  `json:"choices,omitempty"`
}

// CatalogItem is a standard task a tenant's users may request (サービスカタログ).
type CatalogItem struct {
	ID               int64       `json:"id"`
	TenantID         string      `json:"tenant"`
	Name             string      `json:"name"`
	Description      string      `json:"description"`
	ServiceID        int64       `json:"service_id,omitempty"` // whose clocks a request runs on
	Fields           []FieldSpec `json:"fields"`
	ApprovalRequired bool        `json:"approval_required"`
	CreatedAt        time.Time   `json:"created_at"`
	UpdatedAt        time.Time   `json:"updated_at"`
}

var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// Validate reports the first field that is not acceptable.
func (c *CatalogItem) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return invalid.New("name", "is required")
	}
	if err := maxLen("name", c.Name, 160); err != nil {
		return err
	}
	if err := maxLen("description", c.Description, 20000); err != nil {
		return err
	}
	if len(c.Fields) > 100 {
		return invalid.New("fields", "must list at most 100 fields")
	}
	seen := map[string]bool{}
	for i, f := range c.Fields {
		at := fmt.Sprintf("fields[%d]", i)
		if !fieldName.MatchString(f.Name) || seen[f.Name] {
			return invalid.New(at+".name", "must be a unique lower-case name such as server_name, not %q", f.Name)
		}
		seen[f.Name] = true
		if err := maxLen(at+".label", f.Label, 200); err != nil {
			return err
		}
		switch f.Type {
		case FieldString, FieldText, FieldNumber, FieldBoolean, FieldDate:
			if len(f.Choices) > 0 {
				return invalid.New(at+".choices", "are only for type choice")
			}
		case FieldChoice:
			if len(f.Choices) == 0 {
				return invalid.New(at+".choices", "are required for type choice")
			}
		default:
			return invalid.New(at+".type", "must be string, text, number, boolean, date or choice, not %q", f.Type)
		}
	}
	return nil
}

// CheckValues refuses values that do not fit the item's fields, naming
// values.<field>: unknown keys, missing required ones, wrong types.
func (c *CatalogItem) CheckValues(values map[string]any) error {
	specs := map[string]FieldSpec{}
	for _, f := range c.Fields {
		specs[f.Name] = f
	}
	for k := range values {
		if _, ok := specs[k]; !ok {
			return invalid.New("values."+k, "is not a field of %q", c.Name)
		}
	}
	for _, f := range c.Fields {
		v, ok := values[f.Name]
		if !ok || v == nil || v == "" {
			if f.Required {
				return invalid.New("values."+f.Name, "is required")
			}
			continue
		}
		if err := checkValue(f, v); err != nil {
			return invalid.Prefix("values."+f.Name, err)
		}
	}
	return nil
}

func checkValue(f FieldSpec, v any) error {
	switch f.Type {
	case FieldString, FieldText:
		s, ok := v.(string)
		if !ok {
			return invalid.New("", "must be text")
		}
		if f.Type == FieldString && strings.ContainsAny(s, "\r\n") {
			return invalid.New("", "must be one line")
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 20000 {
			return invalid.New("", "must be valid text of at most 20000 characters")
		}
	case FieldNumber:
		n, ok := v.(float64)
		if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
			return invalid.New("", "must be a number")
		}
	case FieldBoolean:
		if _, ok := v.(bool); !ok {
			return invalid.New("", "must be true or false")
		}
	case FieldDate:
		s, _ := v.(string)
		if _, err := calendar.ParseDate(s); err != nil {
			return invalid.New("", "must be a date such as 2026-01-05")
		}
	case FieldChoice:
		s, _ := v.(string)
		for _, c := range f.Choices {
			if s == c {
				return nil
			}
		}
		return invalid.New("", "must be one of %s", strings.Join(f.Choices, ", "))
	}
	return nil
}

const catalogColumns = `id, tenant_id, name, description, COALESCE(service_id,0), fields, approval_required, created_at, updated_at`

func scanCatalogItem(sc func(...any) error) (*CatalogItem, error) {
	var c CatalogItem
	var fields string
	var created, updated int64
	if err := sc(&c.ID, &c.TenantID, &c.Name, &c.Description, &c.ServiceID, &fields, &c.ApprovalRequired, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fields), &c.Fields); err != nil {
		return nil, fmt.Errorf("incident: fields of catalog item %d: %w", c.ID, err)
	}
	c.CreatedAt, c.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	return &c, nil
}

// CreateCatalogItem stores a new catalog item of c.TenantID.
func (s *Desk) CreateCatalogItem(ctx context.Context, c *CatalogItem) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := checkService(ctx, database.Writer(s.db), c.TenantID, c.ServiceID); err != nil {
		return err
	}
	if c.Fields == nil {
		c.Fields = []FieldSpec{}
	}
	fields, _ := json.Marshal(c.Fields)
	now := s.now().UTC()
	c.CreatedAt, c.UpdatedAt = now, now
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO catalog_items (tenant_id, name, description, service_id, fields, approval_required,
			created_at, updated_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id`, c.TenantID, c.Name, c.Description, database.NullID(c.ServiceID),
			string(fields), c.ApprovalRequired, database.Millis(now), database.Millis(now)).Scan(&c.ID)
		return storage.Object{ID: c.ID, Detail: c}, err
	})
	if database.IsUnique(err) {
		return invalid.New("name", "a catalog item %q already exists", c.Name)
	}
	if err != nil {
		return fmt.Errorf("incident: unable to create catalog item: %w", err)
	}
	return nil
}

// UpdateCatalogItem replaces a catalog item; requests made already keep their values.
func (s *Desk) UpdateCatalogItem(ctx context.Context, c *CatalogItem) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := checkService(ctx, database.Writer(s.db), c.TenantID, c.ServiceID); err != nil {
		return err
	}
	if c.Fields == nil {
		c.Fields = []FieldSpec{}
	}
	fields, _ := json.Marshal(c.Fields)
	c.UpdatedAt = s.now().UTC()
	err := storage.Change(ctx, s.db, c.UpdatedAt, func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{ID: c.ID, Detail: c}, storage.RowsAffected(tx.ExecContext(ctx, `UPDATE catalog_items SET name=?, description=?, service_id=?, fields=?, approval_required=?,
			updated_at=? WHERE tenant_id=? AND id=?`, c.Name, c.Description, database.NullID(c.ServiceID), string(fields), c.ApprovalRequired,
			database.Millis(c.UpdatedAt), c.TenantID, c.ID))
	})
	if database.IsUnique(err) {
		return invalid.New("name", "a catalog item %q already exists", c.Name)
	}
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("incident: unable to update catalog item: %w", err)
	}
	return err
}

// CatalogItem returns one catalog item of tenant.
func (s *Desk) CatalogItem(ctx context.Context, tenant string, id int64) (*CatalogItem, error) {
	c, err := scanCatalogItem(s.db.QueryRowContext(ctx, `SELECT `+catalogColumns+` FROM catalog_items WHERE tenant_id=? AND id=?`, tenant, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	return c, err
}

// CatalogItems lists the tenant's catalog items by name.
func (s *Desk) CatalogItems(ctx context.Context, tenant string) ([]*CatalogItem, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+catalogColumns+` FROM catalog_items WHERE tenant_id=? ORDER BY name LIMIT 1000`, tenant)
	if err != nil {
		return nil, fmt.Errorf("incident: unable to list catalog items: %w", err)
	}
	defer rows.Close()
	list := []*CatalogItem{}
	for rows.Next() {
		c, err := scanCatalogItem(rows.Scan)
		if err != nil {
			return nil, err
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// DeleteCatalogItem removes a catalog item of tenant; its requests stay.
func (s *Desk) DeleteCatalogItem(ctx context.Context, tenant string, id int64) error {
	err := storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		return storage.Object{ID: id}, storage.RowsAffected(tx.ExecContext(ctx, `DELETE FROM catalog_items WHERE tenant_id=? AND id=?`, tenant, id))
	})
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("incident: unable to delete catalog item: %w", err)
	}
	return err
}
