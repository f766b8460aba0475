package runbook

import (
	"context"
	"errors"

	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// ItemReader reads a monitoring item; *monitoring.Store is one.
type ItemReader interface {
	Item(ctx context.Context, tenant string, id int64) (*monitoring.Item, error)
}

// Ref is one runbook of a monitoring item: a stored runbook (Title and its
// rendered, sanitised HTML) or an outside URL.
type Ref struct {
	ItemID int64
	Title  string
	HTML   string // sanitised by Render: goldmark without unsafe HTML
	URL    string
}

// Finder finds the runbooks monitoring items name: an item's runbook_id is
// a stored runbook of the tenant (or a global one), its runbook_url a link.
type Finder struct {
	items ItemReader
	books *Store
}

// NewFinder returns a Finder over the items and the stored runbooks.
func NewFinder(items ItemReader, books *Store) *Finder { return &Finder{items: items, books: books} }

// Runbooks lists the runbooks of tenant's items itemIDs, each item once; an
// item or runbook deleted since is left out.
func (f *Finder) Runbooks(ctx context.Context, tenant string, itemIDs []int64) ([]Ref, error) {
	var out []Ref
	seen := map[int64]bool{}
	for _, id := range itemIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		it, err := f.items.Item(ctx, tenant, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue // the item was deleted since the alert fired
		}
		if err != nil {
			return nil, err
		}
		if it.RunbookID != 0 {
			rb, err := f.books.Get(ctx, tenant, it.RunbookID)
			switch {
			case err == nil:
				out = append(out, Ref{ItemID: id, Title: rb.Title, HTML: rb.HTML})
			case !errors.Is(err, storage.ErrNotFound):
				return nil, err
			}
		}
		if it.RunbookURL != "" {
			out = append(out, Ref{ItemID: id, URL: it.RunbookURL})
		}
	}
	return out, nil
}
