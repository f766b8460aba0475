package channel

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/storage"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the channel and contact API.
type Handlers struct {
	store  *Store
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers over store; tenant authorises the
// {tenant} of the path (api.(*API).PathTenant).
func NewHandlers(store *Store, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix + "/channels", Handler: h.list},
		{Method: "POST", Path: prefix + "/channels", Handler: h.create},
		{Method: "GET", Path: prefix + "/channels/{id}", Handler: h.get},
		{Method: "PUT", Path: prefix + "/channels/{id}", Handler: h.update},
		{Method: "DELETE", Path: prefix + "/channels/{id}", Handler: h.delete},
		{Method: "POST", Path: prefix + "/channels/{id}/test", Handler: h.sendTest},

		{Method: "GET", Path: prefix + "/contacts", Handler: h.listContacts},
		{Method: "POST", Path: prefix + "/contacts", Handler: h.createContact},
		{Method: "GET", Path: prefix + "/contacts/{id}", Handler: h.getContact},
		{Method: "PUT", Path: prefix + "/contacts/{id}", Handler: h.updateContact},
		{Method: "DELETE", Path: prefix + "/contacts/{id}", Handler: h.deleteContact},
	}
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.List(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "object")
		if err != nil {
			return 0, nil, err
		}
		c, err := h.store.Get(r.Context(), tenant, id)
		return http.StatusOK, c, err
	})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in Input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		c, err := h.store.Create(response.Audited(r, tenant, "create", "channel", "", nil), tenant, in)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, c, nil
	})
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "object")
		if err != nil {
			return 0, nil, err
		}
		var in Input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		c, err := h.store.Update(response.Audited(r, tenant, "update", "channel", "", nil), tenant, id, in)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, c, nil
	})
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "object")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.Delete(response.Audited(r, tenant, "delete", "channel", "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}

// TestResult is the answer of the test-message endpoint. A failure is
// told by kind and status only: the destination's answer stays in the
// server's log, so the endpoint cannot be used to read an internal page.
type TestResult struct {
	Delivered  bool               `json:"delivered"`
	ReasonCode notify.FailureKind `json:"reason_code,omitempty"`
	Status     int                `json:"status,omitempty"`    // the HTTP status or SMTP reply code, when there was an answer
	Reason     string             `json:"reason,omitempty"`    // a fixed sentence for the reason code
	Permanent  bool               `json:"permanent,omitempty"` // retrying would not help: fix the configuration
}

// sendTest sends one test message now, bypassing the outbox, so the
// operator sees at once whether the configuration works.
func (h *Handlers) sendTest(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "object")
		if err != nil {
			return 0, nil, err
		}
		m, err := h.store.SendTest(r.Context(), tenant, id)
		if se, ok := errors.AsType[*SendError](err); ok {
			h.logger.Warn("test message failed", "tenant", tenant, "channel", id, "err", se.Err)
			f := notify.Describe(se.Err)
			return http.StatusBadGateway, TestResult{ReasonCode: f.Kind, Status: f.Status, Reason: f.Reason(), Permanent: notify.IsPermanent(se.Err)}, nil
		}
		if err != nil {
			return 0, nil, err
		}
		h.audit(r, tenant, "test", "channel", id, map[string]string{"idempotency_key": m.IdempotencyKey})
		return http.StatusOK, TestResult{Delivered: true}, nil
	})
}

// TestTimeout bounds one test message.
const TestTimeout = 30 * time.Second

// PrepareTest returns the channel id of tenant and the test message for
// it; the API and the console send it the same way.
func (s *Store) PrepareTest(ctx context.Context, tenant string, id int64) (notify.Channel, notify.Message, error) {
	c, err := s.Get(ctx, tenant, id)
	if err != nil {
		return nil, notify.Message{}, err
	}
	dest, err := s.Resolve(ctx, tenant, c.Name)
	if err != nil {
		return nil, notify.Message{}, err
	}
	t, err := s.objects.Tenant(ctx, tenant)
	if err != nil {
		return nil, notify.Message{}, err
	}
	return dest.Channel, TestMessage(t, dest, time.Now()), nil
}

// TestMessage is the message the test endpoint sends, in the reader's language.
func TestMessage(t *model.Tenant, d Destination, now time.Time) notify.Message {
	title, summary := "unyo test notification", "This channel is set up correctly: unyo can deliver to it."
	if d.Language == notify.Japanese {
		title, summary = "unyo テスト通知", "このチャネルは正しく設定されています。unyo から通知を届けられます。"
	}
	return notify.Message{
		Kind: notify.KindAlert, Status: notify.StatusFiring, Severity: notify.SeverityInfo,
		Tenant: notify.Tenant{ID: t.ID, Name: t.Name}, Title: title, Summary: summary,
		StartsAt: now.UTC().Truncate(time.Second), IdempotencyKey: "test-" + strconv.FormatInt(now.UnixNano(), 36),
		Language: d.Language, TimeZone: d.TimeZone,
	}
}

func (h *Handlers) listContacts(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.Contacts(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) getContact(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "object")
		if err != nil {
			return 0, nil, err
		}
		c, err := h.store.Contact(r.Context(), tenant, id)
		return http.StatusOK, c, err
	})
}

// contactInput is what a client may send for a contact.
type contactInput struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Language string `json:"language"`
	TimeZone string `json:"time_zone"`
	Via      string `json:"via"`
}

func (in contactInput) contact(tenant string, id int64) *Contact {
	return &Contact{ID: id, Tenant: tenant, Name: in.Name, Email: in.Email, Language: in.Language, TimeZone: in.TimeZone, Via: in.Via}
}

func (h *Handlers) createContact(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in contactInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		c := in.contact(tenant, 0)
		if err := h.store.CreateContact(response.Audited(r, tenant, "create", "contact", "", nil), c); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, c, nil
	})
}

func (h *Handlers) updateContact(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "object")
		if err != nil {
			return 0, nil, err
		}
		var in contactInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		c := in.contact(tenant, id)
		if err := h.store.UpdateContact(response.Audited(r, tenant, "update", "contact", "", nil), c); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, c, nil
	})
}

func (h *Handlers) deleteContact(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "object")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.DeleteContact(response.Audited(r, tenant, "delete", "contact", "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}

// audit records a change; detail holds the redacted configuration only.
func (h *Handlers) audit(r *http.Request, tenant, action, objType string, id int64, detail any) {
	actor := response.Actor(r)
	err := h.store.objects.Audit(r.Context(), storage.AuditEntry{
		TenantID: tenant, Actor: actor, Action: action, ObjectType: objType, ObjectID: strconv.FormatInt(id, 10),
	}, detail)
	if err != nil {
		h.logger.Error("audit failed", "action", action, "object", objType, "err", err)
	}
}
