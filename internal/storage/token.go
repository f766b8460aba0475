package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
)

const tokenColumns = `id, name, tenant_id, scopes, hash, prefix, created_by, created_at, expires_at, last_used_at, revoked_at, host_selector`

// CreateToken stores a new token; t.Hash must be set, the secret itself is never stored.
func (s *Store) CreateToken(ctx context.Context, t *model.Token) error {
	now := database.Millis(s.now())
	// The entry's detail is the handler's: the token holds its hash.
	err := s.change(ctx, func(tx *sql.Tx) (Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO api_tokens (name, tenant_id, scopes, hash, prefix, created_by, created_at, expires_at, host_selector) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id`,
			t.Name, database.NullString(t.TenantID), joinScopes(t.Scopes), t.Hash, t.Prefix, t.CreatedBy, now, database.NullMillis(t.ExpiresAt), t.HostSelector).Scan(&t.ID)
		return Object{ID: t.ID}, err
	})
	if err != nil {
		return fmt.Errorf("store: unable to create token: %w", err)
	}
	t.CreatedAt = database.FromMillis(now)
	return nil
}

// TokenByHash returns the token whose secret hashes to hash, revoked or not.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*model.Token, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash=?`, hash)
	t, err := scanToken(row.Scan)
	if err != nil {
		return nil, fmt.Errorf("store: unable to fetch token: %w", NotFound(err))
	}
	return t, nil
}

// Token returns one token; with tenant set, only a token of that tenant.
func (s *Store) Token(ctx context.Context, tenant string, id int64) (*model.Token, error) {
	q, args := `SELECT `+tokenColumns+` FROM api_tokens WHERE id=?`, []any{id}
	if tenant != "" {
		q, args = q+` AND tenant_id=?`, append(args, tenant)
	}
	t, err := scanToken(s.db.QueryRowContext(ctx, q, args...).Scan)
	if err != nil {
		return nil, fmt.Errorf("store: unable to fetch token: %w", NotFound(err))
	}
	return t, nil
}

// Tokens lists tokens; with tenant set, only that tenant's.
func (s *Store) Tokens(ctx context.Context, tenant string) ([]*model.Token, error) {
	q, args := `SELECT `+tokenColumns+` FROM api_tokens`, []any{}
	if tenant != "" {
		q, args = q+` WHERE tenant_id=?`, append(args, tenant)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list tokens: %w", err)
	}
	defer rows.Close()
	list := []*model.Token{}
	for rows.Next() {
		t, err := scanToken(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list tokens: %w", err)
		}
		list = append(list, t)
	}
	return list, rows.Err()
}

// RevokeToken marks a token revoked; with tenant set, only a token of that tenant.
func (s *Store) RevokeToken(ctx context.Context, tenant string, id int64) error {
	q, args := `UPDATE api_tokens SET revoked_at=? WHERE id=? AND revoked_at IS NULL`, []any{database.Millis(s.now()), id}
	if tenant != "" {
		q, args = q+` AND tenant_id=?`, append(args, tenant)
	}
	if err := s.remove(ctx, id, q, args...); err != nil {
		return fmt.Errorf("store: unable to revoke token: %w", err)
	}
	return nil
}

// TouchToken records when a token was last used.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := database.Writer(s.db).ExecContext(ctx, `UPDATE api_tokens SET last_used_at=? WHERE id=?`, database.Millis(at), id)
	return err
}

func scanToken(scan func(...any) error) (*model.Token, error) {
	var t model.Token
	var tenant sql.NullString
	var scopes string
	var created int64
	var expires, used, revoked sql.NullInt64
	if err := scan(&t.ID, &t.Name, &tenant, &scopes, &t.Hash, &t.Prefix, &t.CreatedBy, &created, &expires, &used, &revoked, &t.HostSelector); err != nil {
		return nil, err
	}
	t.TenantID = tenant.String
	for _, sc := range strings.Split(scopes, ",") {
		t.Scopes = append(t.Scopes, model.Scope(sc))
	}
	t.CreatedAt = database.FromMillis(created)
	t.ExpiresAt, t.LastUsedAt, t.RevokedAt = database.TimePtr(expires), database.TimePtr(used), database.TimePtr(revoked)
	return &t, nil
}

func joinScopes(scopes []model.Scope) string {
	parts := make([]string, len(scopes))
	for i, s := range scopes {
		parts[i] = string(s)
	}
	return strings.Join(parts, ",")
}
