// Package storage reads and writes unyo's relational state. Every query on a
// tenant's data takes the tenant ID and puts it in the WHERE clause: a caller
// cannot reach another tenant's rows by guessing an ID.
package storage

import (
	"database/sql"
	"errors"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// ErrNotFound is returned when a row does not exist (or belongs to another tenant).
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a row would duplicate a unique name or ID.
var ErrConflict = errors.New("already exists")

// Store is the relational state of unyo.
type Store struct {
	db  *sql.DB
	now func() time.Time
}

// New returns a Store on an open, migrated database.
func New(db *sql.DB) *Store {
	return &Store{db: db, now: time.Now}
}

// DB returns the underlying database, for health checks.
func (s *Store) DB() *sql.DB { return s.db }

// NotFound turns "no row" into ErrNotFound, which the API answers with 404;
// every store of every package maps it so.
func NotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// RowsAffected turns an UPDATE or DELETE that touched no row into
// ErrNotFound.
func RowsAffected(res sql.Result, err error) error {
	return NotFound(database.RowsAffected(res, err))
}
