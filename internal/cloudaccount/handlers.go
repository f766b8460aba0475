package cloudaccount

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/storage"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// TestResult is the answer of a connection test: what was reached, or
// where and why it failed, in the cloud's own words (its error code and
// message), which is what the person who entered the account must fix.
type TestResult struct {
	OK       bool   `json:"ok"`
	Stage    string `json:"stage,omitempty"`    // the failing step: token, subscription, assume_role, caller_identity
	Status   int    `json:"status,omitempty"`   // the HTTP status of the cloud's answer, when there was one
	Code     string `json:"code,omitempty"`     // the cloud's error code, e.g. AADSTS7000215, InvalidClientTokenId
	Message  string `json:"message"`            // what was reached, or why not
	Identity string `json:"identity,omitempty"` // the subscription's name, or the AWS caller's ARN
}

// Tester runs the connection test of an account (connect.Test, over the
// outbound policy's client). It is a function so that this package, which
// every cloud consumer imports for Resolver, pulls in no cloud SDK.
type Tester func(ctx context.Context, a *Account) TestResult

// TestTimeout bounds one connection test.
const TestTimeout = 30 * time.Second

// Handlers serves the cloud account API.
type Handlers struct {
	store  *Store
	test   Tester
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers over store; test runs the connection
// test; tenant authorises the {tenant} of the path.
func NewHandlers(store *Store, test Tester, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, test: test, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/cloud-accounts"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "POST", Path: prefix, Handler: h.create},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.get},
		{Method: "PUT", Path: prefix + "/{id}", Handler: h.update},
		{Method: "DELETE", Path: prefix + "/{id}", Handler: h.delete},
		{Method: "POST", Path: prefix + "/{id}/test", Handler: h.testAccount},
	}
}

// msp says whether r's caller is the MSP admin (a principal of every
// tenant, with the admin scope), who alone may set endpoints.
func msp(r *http.Request) bool { return MSPAdmin(auth.FromContext(r.Context())) }

// MSPAdmin says whether p may set an account's endpoints: a principal of
// every tenant with the admin scope. The console asks it too.
func MSPAdmin(p *auth.Principal) bool { return p.Global() && p.Can(model.ScopeAdmin) }

// refused turns the store's endpoint refusal into a 403.
func refused(err error) error {
	if errors.Is(err, ErrEndpointForbidden) || errors.Is(err, ErrTokenFileForbidden) {
		return response.Forbidden(err.Error())
	}
	return err
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.List(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "cloud account")
		if err != nil {
			return 0, nil, err
		}
		v, err := h.store.Get(r.Context(), tenant, id)
		return http.StatusOK, v, err
	})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in Input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		v, err := h.store.Create(response.Audited(r, tenant, "create", "cloud_account", "", nil), tenant, in, msp(r))
		if err != nil {
			return 0, nil, refused(err)
		}
		return http.StatusCreated, v, nil
	})
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "cloud account")
		if err != nil {
			return 0, nil, err
		}
		var in Input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		v, err := h.store.Update(response.Audited(r, tenant, "update", "cloud_account", "", nil), tenant, id, in, msp(r))
		if err != nil {
			return 0, nil, refused(err)
		}
		return http.StatusOK, v, nil
	})
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "cloud account")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.Delete(response.Audited(r, tenant, "delete", "cloud_account", "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}

// testAccount calls the cloud with the stored account now: 200 when it
// answered as expected, 502 with the stage and the cloud's error when not.
// Write scope: it spends the customer's secret.
func (h *Handlers) testAccount(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "cloud account")
		if err != nil {
			return 0, nil, err
		}
		a, err := h.store.Account(r.Context(), tenant, id)
		if errors.Is(err, ErrNotFound) {
			return 0, nil, storage.ErrNotFound
		}
		if err != nil {
			return 0, nil, err
		}
		ctx, cancel := context.WithTimeout(r.Context(), TestTimeout)
		defer cancel()
		res := h.test(ctx, a)
		h.logger.Info("cloud account tested", "tenant", tenant, "account", id, "provider", a.Provider, "ok", res.OK, "stage", res.Stage, "code", res.Code)
		entry := storage.AuditEntry{TenantID: tenant, Actor: response.Actor(r), Action: "test", ObjectType: "cloud_account", ObjectID: strconv.FormatInt(id, 10)}
		if err := storage.AuditIn(r.Context(), database.Writer(h.store.db), entry, map[string]any{"ok": res.OK, "stage": res.Stage, "code": res.Code}, h.store.now()); err != nil {
			return 0, nil, err
		}
		if !res.OK {
			return http.StatusBadGateway, res, nil
		}
		return http.StatusOK, res, nil
	})
}
