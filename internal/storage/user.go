package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
)

const userColumns = `id, login, name, email, role, tenant_id, password_hash, language, time_zone, disabled, password_must_change, created_at, updated_at`

// CreateUser stores a new user; u.PasswordHash must already be set.
func (s *Store) CreateUser(ctx context.Context, u *model.User) error {
	now := database.Millis(s.now())
	// The entry's detail is the handler's: the user holds a password hash.
	err := s.change(ctx, func(tx *sql.Tx) (Object, error) {
		err := tx.QueryRowContext(ctx, `INSERT INTO users (login, name, email, role, tenant_id, password_hash, language, time_zone, disabled, password_must_change, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			u.Login, u.Name, u.Email, string(u.Role), database.NullString(u.TenantID), u.PasswordHash, u.Language, u.TimeZone, u.Disabled, u.PasswordMustChange, now, now).Scan(&u.ID)
		return Object{ID: u.ID}, err
	})
	if database.IsUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: unable to create user: %w", err)
	}
	u.CreatedAt, u.UpdatedAt = database.FromMillis(now), database.FromMillis(now)
	return nil
}

// UpdateUser replaces a user's profile, role, password hash and the
// change-your-password marker (callers load the user first, so what they do
// not touch is written back as it was).
// A new password or disabling the user ends every console session of the
// user in the same transaction, so no caller can forget to: a session
// stolen or left open elsewhere dies with the old password, and does not
// come back when a disabled user is enabled again.
func (s *Store) UpdateUser(ctx context.Context, u *model.User) error {
	now := database.Millis(s.now())
	err := s.change(ctx, func(tx *sql.Tx) (Object, error) {
		var oldHash string
		var wasDisabled bool
		if err := tx.QueryRowContext(ctx, `SELECT password_hash, disabled FROM users WHERE id=?`, u.ID).Scan(&oldHash, &wasDisabled); err != nil {
			return Object{}, NotFound(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name=?, email=?, role=?, tenant_id=?, password_hash=?, language=?, time_zone=?, disabled=?, password_must_change=?, updated_at=? WHERE id=?`,
			u.Name, u.Email, string(u.Role), database.NullString(u.TenantID), u.PasswordHash, u.Language, u.TimeZone, u.Disabled, u.PasswordMustChange, now, u.ID); err != nil {
			return Object{}, err
		}
		if u.PasswordHash != oldHash || (u.Disabled && !wasDisabled) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id=?`, u.ID); err != nil {
				return Object{}, fmt.Errorf("ending the sessions of user %d: %w", u.ID, err)
			}
		}
		return Object{ID: u.ID}, nil // the detail is the handler's: u holds a password hash
	})
	if err != nil {
		return fmt.Errorf("store: unable to update user: %w", err)
	}
	u.UpdatedAt = database.FromMillis(now)
	return nil
}

// User returns one user by ID.
func (s *Store) User(ctx context.Context, id int64) (*model.User, error) {
	return s.userWhere(ctx, `id=?`, id)
}

// UserByLogin returns one user by login name.
func (s *Store) UserByLogin(ctx context.Context, login string) (*model.User, error) {
	return s.userWhere(ctx, `login=?`, login)
}

// UserByEmail returns the oldest user with this e-mail address, compared
// without case, as OIDC providers do not keep the case users typed.
func (s *Store) UserByEmail(ctx context.Context, email string) (*model.User, error) {
	return s.userWhere(ctx, `email<>'' AND lower(email)=lower(?) ORDER BY id LIMIT 1`, email)
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (*model.User, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg)
	u, err := scanUser(row.Scan)
	if err != nil {
		return nil, fmt.Errorf("store: unable to fetch user: %w", NotFound(err))
	}
	return u, nil
}

// Users lists every user.
func (s *Store) Users(ctx context.Context) ([]*model.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY login`)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list users: %w", err)
	}
	defer rows.Close()
	list := []*model.User{}
	for rows.Next() {
		u, err := scanUser(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("store: unable to list users: %w", err)
		}
		list = append(list, u)
	}
	return list, rows.Err()
}

// CountUsers returns how many users exist, to know whether to create the first admin.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: unable to count users: %w", err)
	}
	return n, nil
}

// DeleteUser removes a user.
func (s *Store) DeleteUser(ctx context.Context, id int64) error {
	if err := s.remove(ctx, id, `DELETE FROM users WHERE id=?`, id); err != nil {
		return fmt.Errorf("store: unable to delete user: %w", err)
	}
	return nil
}

func scanUser(scan func(...any) error) (*model.User, error) {
	var u model.User
	var role string
	var tenant sql.NullString
	var created, updated int64
	if err := scan(&u.ID, &u.Login, &u.Name, &u.Email, &role, &tenant, &u.PasswordHash, &u.Language, &u.TimeZone, &u.Disabled, &u.PasswordMustChange, &created, &updated); err != nil {
		return nil, err
	}
	u.Role, u.TenantID = model.Role(role), tenant.String
	u.CreatedAt, u.UpdatedAt = database.FromMillis(created), database.FromMillis(updated)
	return &u, nil
}
