package database

import (
	"database/sql"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// The stores' shared column conversions: times are INTEGER unix
// milliseconds, absent values NULL, in both dialects.

// Millis is how a time is stored.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// FromMillis reads a stored time, in UTC.
func FromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// NullMillis stores an optional time; nil is NULL.
func NullMillis(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// TimePtr reads an optional time; NULL is nil.
func TimePtr(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := FromMillis(n.Int64)
	return &t
}

// NullString stores "" as NULL.
func NullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// NullID stores the ID 0 (none) as NULL.
func NullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// NullFloat stores an optional number; nil is NULL.
func NullFloat(p *float64) sql.NullFloat64 {
	if p == nil {
		return sql.NullFloat64{}
	}
	return sql.NullFloat64{Float64: *p, Valid: true}
}

// FloatPtr reads an optional number; NULL is nil.
func FloatPtr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	return &n.Float64
}

// SQLite's extended result codes for a violated UNIQUE or PRIMARY KEY
// constraint, and PostgreSQL's SQLSTATE unique_violation.
const (
	sqliteConstraintUnique     = 2067
	sqliteConstraintPrimaryKey = 1555
	pgUniqueViolation          = "23505"
)

// IsUnique reports whether err is a UNIQUE or PRIMARY KEY violation, by
// the driver's error code (never by its message, which differs by dialect
// and version).
func IsUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteConstraintUnique || se.Code() == sqliteConstraintPrimaryKey
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == pgUniqueViolation
}

// RowsAffected turns an UPDATE or DELETE that touched no row into
// sql.ErrNoRows, so callers map "not found" in one way for reads and writes.
func RowsAffected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return sql.ErrNoRows
	}
	return nil
}
