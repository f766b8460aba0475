package report

import (
	"context"
	_ "embed"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/storage"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the report API.
type Handlers struct {
	svc    *Service
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers of svc. tenant authorises the paths'
// {tenant}. Each change is audited in its own transaction (see
// response.Audited).
func NewHandlers(svc *Service, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{svc: svc, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/reports"

// Routes is the route table of the report API; openapi_paths.json lists
// exactly these, and a test holds the two together.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "POST", Path: prefix, Handler: h.create},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.get},
		{Method: "PATCH", Path: prefix + "/{id}", Handler: h.edit},
		{Method: "POST", Path: prefix + "/{id}/publish", Handler: h.publish},
		{Method: "POST", Path: prefix + "/{id}/deliver", Handler: h.deliver},
		{Method: "GET", Path: prefix + "/{id}/report.html", Handler: h.file("html")},
		{Method: "GET", Path: prefix + "/{id}/report.pdf", Handler: h.file("pdf")},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}/report-recipients", Handler: h.recipients},
		{Method: "PUT", Path: "/api/v1/tenants/{tenant}/report-recipients", Handler: h.setRecipients},
	}
}

// staff reports whether the caller may see drafts: the customer's viewers
// hold the read scope only and see published reports only.
func staff(r *http.Request) bool {
	p := auth.FromContext(r.Context())
	return p != nil && p.Can(model.ScopeWrite)
}

// authorize returns the path's tenant, or writes the error and "".
func (h *Handlers) authorize(w http.ResponseWriter, r *http.Request, scope model.Scope) string {
	tenant, err := h.tenant(r, scope)
	if err != nil {
		response.Error(w, r, err)
		return ""
	}
	return tenant
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	tenant := h.authorize(w, r, model.ScopeRead)
	if tenant == "" {
		return
	}
	rs, err := h.svc.store.List(r.Context(), tenant, !staff(r))
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, rs)
}

// createRequest is the body of POST /reports: dates are days in the
// tenant's zone, to inclusive; times are RFC 3339 instants, to exclusive.
type createRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Service makes the report of one of the tenant's services (by name).
	Service string `json:"service"`
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	tenant := h.authorize(w, r, model.ScopeWrite)
	if tenant == "" {
		return
	}
	var req createRequest
	if err := request.DecodeJSON(w, r, &req); err != nil {
		response.Error(w, r, err)
		return
	}
	t, err := h.svc.gen.src.Tenants.Tenant(r.Context(), tenant)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	t.Normalize()
	from, to, err := ParsePeriod(req.From, req.To, t.TimeZone)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	ctx := audited(r, tenant, "create", 0, map[string]any{"from": from, "to": to, "service": req.Service})
	st, err := h.svc.CreateServiceDraft(ctx, tenant, req.Service, from, to, response.Actor(r))
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusCreated, st)
}

// ParsePeriod reads a period: "2026-11-01" and "2026-11-30" are whole days in
// zone, to inclusive; RFC 3339 times are taken as they are, to exclusive.
func ParsePeriod(from, to, zone string) (time.Time, time.Time, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	parse := func(field, v string, end bool) (time.Time, error) {
		if v == "" {
			return time.Time{}, invalid.New(field, "is required")
		}
		if d, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
			if end {
				d = d.AddDate(0, 0, 1)
			}
			return d, nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return time.Time{}, invalid.New(field, "must be a date such as 2026-11-01 or an RFC 3339 time, not %q", v)
		}
		return t, nil
	}
	f, err := parse("from", from, false)
	if err != nil {
		return f, f, err
	}
	t, err := parse("to", to, true)
	if err != nil {
		return f, t, err
	}
	return f, t, checkPeriod(f, t)
}

// load reads the path's report of tenant; a viewer gets 404 for a draft.
func (h *Handlers) load(w http.ResponseWriter, r *http.Request, tenant string) *Stored {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		response.Error(w, r, response.NotFound("no such report"))
		return nil
	}
	st, err := h.svc.store.Get(r.Context(), tenant, id)
	if err == nil && st.State != Published && !staff(r) {
		err = storage.ErrNotFound
	}
	if err != nil {
		response.Error(w, r, err)
		return nil
	}
	return st
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	tenant := h.authorize(w, r, model.ScopeRead)
	if tenant == "" {
		return
	}
	if st := h.load(w, r, tenant); st != nil {
		response.JSON(w, http.StatusOK, st)
	}
}

func (h *Handlers) edit(w http.ResponseWriter, r *http.Request) {
	tenant := h.authorize(w, r, model.ScopeWrite)
	if tenant == "" {
		return
	}
	st := h.load(w, r, tenant)
	if st == nil {
		return
	}
	var e Edit
	if err := request.DecodeJSON(w, r, &e); err != nil {
		response.Error(w, r, err)
		return
	}
	st, err := h.svc.EditDraft(audited(r, tenant, "update", st.ID, nil), tenant, st.ID, e)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, st)
}

func (h *Handlers) publish(w http.ResponseWriter, r *http.Request) {
	tenant := h.authorize(w, r, model.ScopeWrite)
	if tenant == "" {
		return
	}
	st := h.load(w, r, tenant)
	if st == nil {
		return
	}
	st, err := h.svc.Publish(audited(r, tenant, "publish", st.ID, nil), tenant, st.ID, response.Actor(r))
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, st)
}

func (h *Handlers) deliver(w http.ResponseWriter, r *http.Request) {
	tenant := h.authorize(w, r, model.ScopeWrite)
	if tenant == "" {
		return
	}
	st := h.load(w, r, tenant)
	if st == nil {
		return
	}
	st, err := h.svc.Deliver(audited(r, tenant, "deliver", st.ID, nil), tenant, st.ID)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, st)
}

func (h *Handlers) file(kind string) http.HandlerFunc {
	types := map[string]string{"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
	return func(w http.ResponseWriter, r *http.Request) {
		tenant := h.authorize(w, r, model.ScopeRead)
		if tenant == "" {
			return
		}
		st := h.load(w, r, tenant)
		if st == nil {
			return
		}
		b, err := h.svc.File(r.Context(), st, kind)
		if err != nil {
			response.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", types[kind])
		w.Header().Set("Content-Disposition", `inline; filename="report-`+tenant+`-`+strconv.FormatInt(st.ID, 10)+`.`+kind+`"`)
		w.Write(b)
	}
}

func (h *Handlers) recipients(w http.ResponseWriter, r *http.Request) {
	tenant := h.authorize(w, r, model.ScopeWrite)
	if tenant == "" {
		return
	}
	rs, err := h.svc.store.Recipients(r.Context(), tenant)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, rs)
}

func (h *Handlers) setRecipients(w http.ResponseWriter, r *http.Request) {
	tenant := h.authorize(w, r, model.ScopeWrite)
	if tenant == "" {
		return
	}
	var body struct {
		Recipients []Recipient `json:"recipients"`
	}
	if err := request.DecodeJSON(w, r, &body); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := h.svc.SetRecipients(audited(r, tenant, "update", 0, nil), tenant, body.Recipients); err != nil {
		response.Error(w, r, err)
		return
	}
	rs, err := h.svc.store.Recipients(r.Context(), tenant)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, rs)
}

// audited returns r's context carrying the audit entry of a change of
// report id (0 for a create, which learns its ID in the transaction, and
// for the recipients); the store writes it in the change's transaction.
func audited(r *http.Request, tenant, action string, id int64, detail any) context.Context {
	objID := ""
	if id != 0 {
		objID = strconv.FormatInt(id, 10)
	}
	return response.Audited(r, tenant, action, "report", objID, detail)
}

const maxBody = 1 << 20
