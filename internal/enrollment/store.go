// Package enrollment registers hosts that enroll themselves: an agent run
// with `--enroll TOKEN` sends its facts with a tenant's enroll token, and
// gets back the resource it is and its own ingest token. The tenant's label
// rules then pick its templates, as for any host.
//
// Identity: a host is the resource whose instance_id label (cloud instance
// ID) or, off a cloud, machine_id label matches; otherwise the host resource
// of the same name that no other machine holds (one registered by hand is
// adopted). Re-enrolling keeps the resource and rotates its token: the old
// token is revoked in the same transaction, the new one shown once.
package enrollment

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/facts"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Store writes enrollments.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// NewStore returns the store over db.
func NewStore(db *sql.DB) *Store { return &Store{db: db, now: time.Now} }

// Result is an enrollment done: the host's resource, whether it was new, the
// host's new token (secret and row) and the tokens it replaced.
type Result struct {
	Resource *model.Resource
	Created  bool
	Secret   string
	Token    *model.Token
	Revoked  []int64
}

// TokenName is the name of the ingest token of the enrolled host resource id.
func TokenName(resourceID int64) string { return "enrolled-host-" + strconv.FormatInt(resourceID, 10) }

// Enroll registers in's host in tenant, by the enroll token by, in one
// transaction with its audit entry (carried by ctx).
func (s *Store) Enroll(ctx context.Context, tenant string, in facts.EnrollRequest, by *model.Token) (*Result, error) {
	labels := in.Facts.Labels()
	res := &Result{}
	now := s.now()
	err := storage.Change(ctx, s.db, now, func(tx *sql.Tx) (storage.Object, error) {
		r, err := find(ctx, tx, tenant, in.Host, labels)
		if err != nil {
			return storage.Object{}, err
		}
		if r == nil {
			r = &model.Resource{TenantID: tenant, Name: in.Host, Kind: "host", Labels: map[string]string{}}
			res.Created = true
		}
		maps.Copy(r.Labels, labels)
		if err := r.Validate(); err != nil {
			return storage.Object{}, err
		}
		if err := save(ctx, tx, r, now, res.Created); err != nil {
			return storage.Object{}, err
		}
		res.Resource = r
		if res.Revoked, err = revokeHostTokens(ctx, tx, tenant, r.ID, now); err != nil {
			return storage.Object{}, err
		}
		secret, hash := auth.NewToken()
		t := &model.Token{Name: TokenName(r.ID), TenantID: tenant, Scopes: []model.Scope{model.ScopeIngest},
			Hash: hash, Prefix: auth.DisplayPrefix(secret), CreatedBy: "enroll:" + by.Name}
		err = tx.QueryRowContext(ctx, `INSERT INTO api_tokens (name, tenant_id, scopes, hash, prefix, created_by, created_at) VALUES (?,?,?,?,?,?,?) RETURNING id`,
			t.Name, tenant, string(model.ScopeIngest), t.Hash, t.Prefix, t.CreatedBy, database.Millis(now)).Scan(&t.ID)
		if err != nil {
			return storage.Object{}, fmt.Errorf("enrollment: unable to create the host's token: %w", err)
		}
		t.CreatedAt = now
		res.Secret, res.Token = secret, t
		return storage.Object{ID: r.ID, Type: "resource", Detail: auditDetail{
			Host: r.Name, Created: res.Created, EnrollToken: by.ID, HostToken: t.ID, Revoked: res.Revoked, Labels: r.Labels}}, nil
	})
	if err != nil {
		if database.IsUnique(err) {
			return nil, storage.ErrConflict
		}
		return nil, fmt.Errorf("enrollment: %w", err)
	}
	return res, nil
}

// auditDetail is the audit entry of an enrollment; it holds no secret.
type auditDetail struct {
	Host        string            `json:"host"`
	Created     bool              `json:"created"`
	EnrollToken int64             `json:"enroll_token"`
	HostToken   int64             `json:"host_token"`
	Revoked     []int64           `json:"revoked_tokens,omitempty"`
	Labels      map[string]string `json:"labels"`
}

// find returns the tenant's host resource that is this machine, nil for a
// new one, or a conflict when the name is another machine's.
func find(ctx context.Context, tx *sql.Tx, tenant, name string, labels map[string]string) (*model.Resource, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, kind, labels FROM resources WHERE tenant_id=? ORDER BY id`, tenant)
	if err != nil {
		return nil, fmt.Errorf("enrollment: unable to list resources: %w", err)
	}
	defer rows.Close()
	var byID, byName *model.Resource
	for rows.Next() {
		r := &model.Resource{TenantID: tenant}
		var raw string
		if err := rows.Scan(&r.ID, &r.Name, &r.Kind, &raw); err != nil {
			return nil, fmt.Errorf("enrollment: unable to list resources: %w", err)
		}
		if err := json.Unmarshal([]byte(raw), &r.Labels); err != nil || r.Labels == nil {
			r.Labels = map[string]string{}
		}
		if r.Kind == "host" && byID == nil && sameMachine(r.Labels, labels) {
			byID = r
		}
		if r.Name == name {
			byName = r
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("enrollment: unable to list resources: %w", err)
	}
	if byID != nil {
		return byID, nil
	}
	if byName == nil {
		return nil, nil
	}
	if byName.Kind != "host" || !unclaimed(byName.Labels, labels) {
		return nil, &response.StatusError{Status: 409, Message: fmt.Sprintf(
			"resource %q of tenant %s is another machine: enroll this host under another name with --host NAME", name, tenant)}
	}
	return byName, nil
}

// sameMachine reports whether a resource's labels name the machine whose
// facts are mine. A cloud instance ID decides when both have one: VMs made
// from one image may share a machine ID.
func sameMachine(have, mine map[string]string) bool {
	if id := mine["instance_id"]; id != "" && have["instance_id"] != "" {
		return have["instance_id"] == id
	}
	id := mine["machine_id"]
	return id != "" && have["machine_id"] == id
}

// unclaimed reports whether a resource of the same name may be adopted: no
// other machine's identity is on it.
func unclaimed(have, mine map[string]string) bool {
	for _, k := range []string{"instance_id", "machine_id"} {
		if have[k] != "" && have[k] != mine[k] {
			return false
		}
	}
	return true
}

func save(ctx context.Context, tx *sql.Tx, r *model.Resource, now time.Time, create bool) error {
	labels, _ := json.Marshal(r.Labels)
	ms := database.Millis(now)
	if create {
		err := tx.QueryRowContext(ctx, `INSERT INTO resources (tenant_id, name, kind, labels, created_at, updated_at) VALUES (?,?,?,?,?,?) RETURNING id`,
			r.TenantID, r.Name, r.Kind, string(labels), ms, ms).Scan(&r.ID)
		r.CreatedAt = now
		r.UpdatedAt = now
		return err
	}
	r.UpdatedAt = now
	return storage.RowsAffected(tx.ExecContext(ctx, `UPDATE resources SET labels=?, updated_at=? WHERE tenant_id=? AND id=?`, string(labels), ms, r.TenantID, r.ID))
}

// revokeHostTokens revokes the tokens an earlier enrollment of the host got.
func revokeHostTokens(ctx context.Context, tx *sql.Tx, tenant string, resourceID int64, now time.Time) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM api_tokens WHERE tenant_id=? AND name=? AND revoked_at IS NULL`, tenant, TokenName(resourceID))
	if err != nil {
		return nil, fmt.Errorf("enrollment: unable to list the host's tokens: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at=? WHERE id=?`, database.Millis(now), id); err != nil {
			return nil, fmt.Errorf("enrollment: unable to revoke the host's old token: %w", err)
		}
	}
	return ids, nil
}
