package monitoring

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path"
	"strings"

	"github.com/unyo-ops/unyo/internal/database"
)

// builtinRunbookFile is the runbook a built-in template ships with: what to
// check first when one of its items fires, in Japanese and English.
type builtinRunbookFile struct {
	Key   string // the template's built-in key
	Title string
	Body  string // Markdown
}

// builtinRunbook reads builtin/runbooks/<key>.md: a "# title" line, then
// the Markdown body. ok is false when the template has none.
func builtinRunbook(key string) (rb builtinRunbookFile, ok bool, err error) {
	data, err := builtinFS.ReadFile(path.Join("builtin", "runbooks", key+".md"))
	if errors.Is(err, fs.ErrNotExist) {
		return rb, false, nil
	}
	if err != nil {
		return rb, false, err
	}
	first, body, _ := strings.Cut(string(data), "\n")
	title, isTitle := strings.CutPrefix(first, "# ")
	if !isTitle || strings.TrimSpace(title) == "" {
		return rb, false, errors.New("the runbook must start with a \"# title\" line")
	}
	return builtinRunbookFile{Key: key, Title: strings.TrimSpace(title), Body: strings.TrimSpace(body) + "\n"}, true, nil
}

// syncBuiltinRunbook writes the runbook of built-in template t as a global
// runbook marked with t's key (the runbooks table of internal/runbook:
// that package imports this one, so the sync is written here), and points
// every item of t without a runbook of its own at it. The code's text
// wins over edits, as it does for the template's items.
func (s *Store) syncBuiltinRunbook(ctx context.Context, tx *sql.Tx, t *Template) error {
	rb, ok, err := builtinRunbook(t.Builtin)
	if err != nil || !ok {
		return err
	}
	now := database.Millis(s.now())
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM runbooks WHERE tenant_id IS NULL AND builtin=?`, rb.Key).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		err = tx.QueryRowContext(ctx, `INSERT INTO runbooks (tenant_id, title, body, created_by, created_at, updated_at, builtin)
			VALUES (NULL,?,?,?,?,?,?) RETURNING id`, rb.Title, rb.Body, "unyo", now, now, rb.Key).Scan(&id)
	case err == nil:
		_, err = tx.ExecContext(ctx, `UPDATE runbooks SET title=?, body=?, updated_at=? WHERE id=? AND (title<>? OR body<>?)`,
			rb.Title, rb.Body, now, id, rb.Title, rb.Body)
	}
	if err != nil {
		return err
	}
	for _, it := range t.Items {
		if it.RunbookURL == "" && it.RunbookID == 0 {
			it.RunbookID = id
		}
	}
	return nil
}
