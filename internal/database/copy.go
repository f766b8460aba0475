package database

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// TableCopy is what Copy did to one table: rows read, rows in the target
// afterwards, and an order-free checksum of each side's rows.
type TableCopy struct {
	Table          string
	Rows           int64
	TargetRows     int64
	Checksum       uint64
	TargetChecksum uint64
}

// ErrTargetNotEmpty refuses a copy onto a database that already holds data.
var ErrTargetNotEmpty = errors.New("the target database is not empty")

// Copy copies every table of from (a stopped installation's database) into
// to, a migrated database of the same schema version without data, parents
// before children so foreign keys hold; it then moves PostgreSQL's identity
// sequences past the copied ids and verifies each table by row count and
// checksum. Metrics are not in the database: they stay in the TSDB.
func Copy(ctx context.Context, from, to *sql.DB) ([]TableCopy, error) {
	fv, err := Version(ctx, from)
	if err != nil {
		return nil, err
	}
	tv, err := Version(ctx, to)
	if err != nil {
		return nil, err
	}
	if fv != tv {
		return nil, fmt.Errorf("database: copy: source schema version %d, target %d: open both with this unyo first", fv, tv)
	}
	tables, err := tablesInOrder(ctx, from)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		var n int64
		if err := to.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("database: copy: target table %s: %w", t, err)
		}
		if n > 0 {
			return nil, fmt.Errorf("database: copy: %w: table %s has %d rows", ErrTargetNotEmpty, t, n)
		}
	}
	tx, err := to.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("database: copy: %w", err)
	}
	defer tx.Rollback()
	var out []TableCopy
	for _, t := range tables {
		c, err := copyTable(ctx, from, tx, t)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if DialectOf(to) == Postgres {
		if err := resetSequences(ctx, tx); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("database: copy: %w", err)
	}
	for i := range out {
		if out[i].TargetRows, out[i].TargetChecksum, err = checksum(ctx, to, out[i].Table); err != nil {
			return out, err
		}
		if out[i].TargetRows != out[i].Rows || out[i].TargetChecksum != out[i].Checksum {
			return out, fmt.Errorf("database: copy: table %s differs after the copy: %d rows (checksum %016x) read, %d rows (checksum %016x) in the target",
				out[i].Table, out[i].Rows, out[i].Checksum, out[i].TargetRows, out[i].TargetChecksum)
		}
	}
	return out, nil
}

// columns lists a table's columns in order.
func columns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT * FROM `+table+` WHERE 1=0`)
	if err != nil {
		return nil, fmt.Errorf("database: columns of %s: %w", table, err)
	}
	defer rows.Close()
	return rows.Columns()
}

func copyTable(ctx context.Context, from *sql.DB, to *sql.Tx, table string) (TableCopy, error) {
	c := TableCopy{Table: table}
	cols, err := columns(ctx, from, table)
	if err != nil {
		return c, err
	}
	rows, err := from.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		return c, fmt.Errorf("database: copy: read %s: %w", table, err)
	}
	defer rows.Close()
	ins, err := to.PrepareContext(ctx, `INSERT INTO `+table+` (`+strings.Join(cols, ", ")+`) VALUES (`+strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")+`)`)
	if err != nil {
		return c, fmt.Errorf("database: copy: %s: %w", table, err)
	}
	defer ins.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return c, fmt.Errorf("database: copy: read %s: %w", table, err)
		}
		c.Rows++
		c.Checksum += rowHash(vals)
		if _, err := ins.ExecContext(ctx, vals...); err != nil {
			return c, fmt.Errorf("database: copy: write %s row %d: %w", table, c.Rows, err)
		}
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("database: copy: read %s: %w", table, err)
	}
	return c, nil
}

// checksum counts a table's rows and sums their hashes: the sum does not
// depend on the order rows come back in, which differs between dialects.
func checksum(ctx context.Context, db *sql.DB, table string) (n int64, sum uint64, err error) {
	cols, err := columns(ctx, db, table)
	if err != nil {
		return 0, 0, err
	}
	rows, err := db.QueryContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table)
	if err != nil {
		return 0, 0, fmt.Errorf("database: checksum %s: %w", table, err)
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return 0, 0, fmt.Errorf("database: checksum %s: %w", table, err)
		}
		n++
		sum += rowHash(vals)
	}
	return n, sum, rows.Err()
}

// rowHash hashes one row's values in a form both dialects give alike:
// text and bytes as bytes, integers and floats as numbers, NULL as NULL.
func rowHash(vals []any) uint64 {
	h := sha256.New()
	var buf [8]byte
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			h.Write([]byte{0})
		case int64:
			h.Write([]byte{1})
			h.Write([]byte(strconv.FormatInt(v, 10)))
		case float64:
			if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
				h.Write([]byte{1})
				h.Write([]byte(strconv.FormatInt(int64(v), 10)))
			} else {
				h.Write([]byte{2})
				h.Write([]byte(strconv.FormatFloat(v, 'g', -1, 64)))
			}
		case string:
			h.Write([]byte{3})
			binary.BigEndian.PutUint64(buf[:], uint64(len(v)))
			h.Write(buf[:])
			h.Write([]byte(v))
		case []byte:
			h.Write([]byte{3})
			binary.BigEndian.PutUint64(buf[:], uint64(len(v)))
			h.Write(buf[:])
			h.Write(v)
		default:
			h.Write([]byte{4})
			fmt.Fprint(h, v)
		}
		h.Write([]byte{0xff})
	}
	return binary.BigEndian.Uint64(h.Sum(nil))
}

// tablesInOrder lists the data tables of db (schema_version excluded),
// every table after the tables its foreign keys name.
func tablesInOrder(ctx context.Context, db *sql.DB) ([]string, error) {
	var q string
	if DialectOf(db) == Postgres {
		q = `SELECT t.table_name, coalesce(ccu.table_name, '')
			FROM information_schema.tables t
			LEFT JOIN information_schema.table_constraints tc
				ON tc.table_schema = t.table_schema AND tc.table_name = t.table_name AND tc.constraint_type = 'FOREIGN KEY'
			LEFT JOIN information_schema.constraint_column_usage ccu
				ON ccu.constraint_schema = tc.constraint_schema AND ccu.constraint_name = tc.constraint_name
			WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE'`
	} else {
		q = `SELECT m.name, coalesce(f."table", '') FROM sqlite_master m LEFT JOIN pragma_foreign_key_list(m.name) f
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("database: list tables: %w", err)
	}
	defer rows.Close()
	deps := map[string]map[string]bool{}
	for rows.Next() {
		var t, parent string
		if err := rows.Scan(&t, &parent); err != nil {
			return nil, fmt.Errorf("database: list tables: %w", err)
		}
		if t == "schema_version" {
			continue
		}
		if deps[t] == nil {
			deps[t] = map[string]bool{}
		}
		if parent != "" && parent != t {
			deps[t][parent] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("database: list tables: %w", err)
	}
	names := make([]string, 0, len(deps))
	for t := range deps {
		names = append(names, t)
	}
	sort.Strings(names)
	var out []string
	done := map[string]bool{}
	for len(out) < len(names) {
		progress := false
		for _, t := range names {
			if done[t] {
				continue
			}
			ready := true
			for p := range deps[t] {
				if !done[p] {
					ready = false
				}
			}
			if ready {
				out, done[t], progress = append(out, t), true, true
			}
		}
		if !progress {
			return nil, errors.New("database: the foreign keys between tables form a cycle")
		}
	}
	return out, nil
}

// resetSequences moves every identity column's sequence past the largest
// copied id, so the next insert does not collide with a copied row.
func resetSequences(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT table_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES' ORDER BY table_name`)
	if err != nil {
		return fmt.Errorf("database: copy: list sequences: %w", err)
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return fmt.Errorf("database: copy: list sequences: %w", err)
		}
		tables = append(tables, t)
	}
	rows.Close()
	for _, t := range tables {
		if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence(?, 'id'), coalesce((SELECT MAX(id) FROM `+t+`), 0) + 1, false)`, t); err != nil {
			return fmt.Errorf("database: copy: reset the sequence of %s: %w", t, err)
		}
	}
	return nil
}
