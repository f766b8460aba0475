package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
)

// UserByIdentity returns the user linked to the single sign-on identity
// (issuer, subject).
func (s *Store) UserByIdentity(ctx context.Context, issuer, subject string) (*model.User, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users
		WHERE id=(SELECT user_id FROM oidc_identities WHERE issuer=? AND subject=?)`, issuer, subject)
	u, err := scanUser(row.Scan)
	if err != nil {
		return nil, fmt.Errorf("store: unable to fetch user by identity: %w", NotFound(err))
	}
	return u, nil
}

// LinkIdentity links the identity (issuer, subject) to a user, with the
// verified e-mail address it was linked by. ErrConflict means the identity
// is linked already, or the user has another identity at this issuer. The
// audit entry ctx carries (WithAudit) is written in the same transaction.
func (s *Store) LinkIdentity(ctx context.Context, userID int64, issuer, subject, email string) error {
	err := s.change(ctx, func(tx *sql.Tx) (Object, error) {
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_identities (issuer, subject, user_id, email, created_at) VALUES (?,?,?,?,?)`,
			issuer, subject, userID, email, database.Millis(s.now()))
		return Object{ID: userID}, err
	})
	if database.IsUnique(err) {
		return ErrConflict
	}
	if err != nil {
		return fmt.Errorf("store: unable to link identity: %w", err)
	}
	return nil
}
