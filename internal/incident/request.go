package incident

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/sla"
	"github.com/unyo-ops/unyo/internal/storage"
)

// RequestInput opens an inquiry (問い合わせ) or a catalog request.
type RequestInput struct {
	Kind          Kind           `json:"kind"` // inquiry or request
	CatalogItemID int64          `json:"catalog_item_id"`
	Values        map[string]any `json:"values"`
	Fields
}

// OpenRequest opens an inquiry or a request. A request names a catalog item
// of the tenant, its values are checked against the item's fields, it runs on
// the item's service when it names none, and it waits for approval when the
// item says so.
func (s *Desk) OpenRequest(ctx context.Context, tenant, actor string, in RequestInput) (*Incident, error) {
	now := s.now().UTC()
	inc := &Incident{TenantID: tenant, Kind: in.Kind, Impact: 3, Urgency: 3, State: StateNew, OpenedBy: actor, OpenedAt: now,
		UpdatedAt: now, ResourceIDs: []int64{}}
	switch in.Kind {
	case KindInquiry:
		if in.CatalogItemID != 0 || len(in.Values) > 0 {
			return nil, invalid.New("catalog_item_id", "is only for kind request")
		}
	case KindRequest:
		item, err := s.CatalogItem(ctx, tenant, in.CatalogItemID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, invalid.New("catalog_item_id", "no catalog item %d in this tenant", in.CatalogItemID)
		}
		if err != nil {
			return nil, err
		}
		if err := item.CheckValues(in.Values); err != nil {
			return nil, err
		}
		inc.CatalogItemID, inc.Values, inc.ServiceID = item.ID, in.Values, item.ServiceID
		if item.ApprovalRequired {
			inc.Approval = ApprovalPending
		}
		if in.ShortDescription == nil {
			inc.ShortDescription = item.Name
		}
	default:
		return nil, invalid.New("kind", "must be inquiry or request, not %q", in.Kind)
	}
	in.Fields.apply(inc)
	if err := inc.Validate(); err != nil {
		return nil, err
	}
	err := database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := s.insert(ctx, tx, inc, actor); err != nil {
			return err
		}
		return s.emit(ctx, tx, Change{Kind: ChangeOpened, Actor: actor, Incident: inc})
	})
	if err != nil {
		return nil, err
	}
	return s.Incident(ctx, tenant, inc.ID)
}

// Decide approves or rejects a request waiting for approval. A rejected
// request is canceled and its clocks stop.
func (s *Desk) Decide(ctx context.Context, tenant string, id int64, actor string, approve bool, note string) (*Incident, error) {
	if err := maxLen("note", note, 2000); err != nil {
		return nil, err
	}
	return s.change(ctx, tenant, id, actor, func(tx *sql.Tx, inc *Incident, ct *clockTx) (Change, error) {
		if inc.Approval != ApprovalPending {
			return Change{}, invalid.New("approval", "nothing to decide: the request's approval is %q", inc.Approval)
		}
		inc.Approval, inc.ApprovalBy, inc.ApprovalAt, inc.ApprovalNote = ApprovalApproved, actor, &ct.at, note
		body := "approved"
		if !approve {
			inc.Approval, inc.State, body = ApprovalRejected, StateCanceled, "rejected"
			if err := ct.all(ctx, sla.EventStop); err != nil {
				return Change{}, err
			}
		}
		if strings.TrimSpace(note) != "" {
			body += ": " + note
		}
		err := noteApproval(ctx, tx, inc, Entry{At: ct.at, Author: actor, Kind: EntryApproval, Body: body})
		return Change{Kind: ChangeState, Text: note}, err
	})
}

func noteApproval(ctx context.Context, q querier, inc *Incident, e Entry) error {
	return note(ctx, q, inc.TenantID, inc.ID, e, map[string]string{"approval": string(inc.Approval)})
}
