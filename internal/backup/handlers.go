package backup

import (
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/storage"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the backup API.
type Handlers struct {
	store  *Store
	tenant route.Authorizer
	logger *slog.Logger
	now    func() time.Time
}

// NewHandlers returns the handlers; tenant authorises {tenant} paths.
func NewHandlers(store *Store, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, tenant: tenant, logger: logger, now: time.Now}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/backups"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix + "/policies", Handler: h.listPolicies},
		{Method: "POST", Path: prefix + "/policies", Handler: h.createPolicy},
		{Method: "GET", Path: prefix + "/policies/{id}", Handler: h.policy().Read},
		{Method: "PUT", Path: prefix + "/policies/{id}", Handler: h.policy().Write},
		{Method: "DELETE", Path: prefix + "/policies/{id}", Handler: h.policy().Remove},
		{Method: "GET", Path: prefix + "/policies/{id}/jobs", Handler: h.listJobs},
		{Method: "GET", Path: prefix + "/policies/{id}/restore-tests", Handler: h.listRestoreTests},
		{Method: "POST", Path: prefix + "/policies/{id}/restore-tests", Handler: h.addRestoreTest},
		{Method: "POST", Path: prefix + "/jobs", Handler: h.addJob},
		{Method: "GET", Path: prefix + "/status", Handler: h.status},
	}
}

// policyInput is the body of a policy's create or update.
type policyInput struct {
	Name       string         `json:"name"`
	ServiceID  int64          `json:"service_id"`
	ResourceID int64          `json:"resource_id"`
	Target     string         `json:"target"`
	Method     Method         `json:"method"`
	Schedule   string         `json:"schedule"`
	Retention  model.Duration `json:"retention"`
	RPO        model.Duration `json:"rpo"`
	RTO        model.Duration `json:"rto"`
	Grace      model.Duration `json:"grace"`
	Runbook    string         `json:"runbook"`
	Source     *Source        `json:"source"`
	// The size rule's bounds and the restore test plan.
	SizeLowPercent  int            `json:"size_low_percent"`
	SizeHighPercent int            `json:"size_high_percent"`
	RestorePlan     string         `json:"restore_plan"`
	RestoreGrace    model.Duration `json:"restore_grace"`
}

func (in policyInput) onto(p *Policy) {
	p.Name, p.ServiceID, p.ResourceID, p.Target, p.Method, p.Schedule = in.Name, in.ServiceID, in.ResourceID, in.Target, in.Method, in.Schedule
	p.Retention, p.RPO, p.RTO, p.Grace, p.Runbook, p.Source = in.Retention, in.RPO, in.RTO, in.Grace, in.Runbook, in.Source
	if in.RestorePlan != p.RestorePlan { // a new plan is due from now
		p.RestorePlanSince = nil
	}
	p.SizeLowPercent, p.SizeHighPercent, p.RestorePlan, p.RestoreGrace = in.SizeLowPercent, in.SizeHighPercent, in.RestorePlan, in.RestoreGrace
}

func (h *Handlers) listPolicies(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.Policies(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) createPolicy(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in policyInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		p := &Policy{TenantID: tenant}
		in.onto(p)
		if err := h.store.CreatePolicy(response.Audited(r, tenant, "create", "backup_policy", "", in), p); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, p, nil
	})
}

func (h *Handlers) listJobs(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "backup policy")
		if err != nil {
			return 0, nil, err
		}
		limit := 100
		if s := r.URL.Query().Get("limit"); s != "" {
			if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 10000 {
				return 0, nil, invalid.New("limit", "must be a number from 1 to 10000")
			}
		}
		list, err := h.store.Jobs(r.Context(), tenant, id, limit)
		return http.StatusOK, list, err
	})
}

// jobInput is the body of a job result: the policy by ID or by name.
type jobInput struct {
	Policy        string `json:"policy"`
	PolicyID      int64  `json:"policy_id"`
	Status        Result `json:"status"`
	StartedAt     string `json:"started_at"`
	FinishedAt    string `json:"finished_at"`
	SizeBytes     int64  `json:"size_bytes"`
	RecoveryPoint string `json:"recovery_point"`
	ExternalID    string `json:"external_id"`
	Message       string `json:"message"`
	Source        string `json:"source"` // api (default) or agent
}

// job reads the input's times, naming the field at fault.
func (in jobInput) job(tenant string, policy int64) (*Job, error) {
	j := &Job{TenantID: tenant, PolicyID: policy, Status: in.Status, SizeBytes: in.SizeBytes, ExternalID: in.ExternalID, Message: in.Message}
	switch in.Source {
	case "", OriginAPI, OriginAgent: // the pollers' kinds are theirs alone
		j.Source = in.Source
	default:
		return nil, invalid.New("source", "must be api or agent, not %q", in.Source)
	}
	for _, f := range []struct {
		name, v string
		dst     *time.Time
	}{{"started_at", in.StartedAt, &j.StartedAt}, {"finished_at", in.FinishedAt, &j.FinishedAt}, {"recovery_point", in.RecoveryPoint, &j.RecoveryPoint}} {
		if f.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, f.v)
		if err != nil {
			return nil, invalid.New(f.name, "must be an RFC 3339 time, not %q", f.v)
		}
		*f.dst = t
	}
	return j, nil
}

// addJob stores a job result: 201 when new, 200 with the stored job when
// its external ID was sent before. Scripts push results with an ingest token.
func (h *Handlers) addJob(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeIngest, func(tenant string) (int, any, error) {
		var in jobInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		id := in.PolicyID
		if in.Policy != "" {
			p, err := h.store.PolicyByName(r.Context(), tenant, in.Policy)
			if errors.Is(err, storage.ErrNotFound) {
				return 0, nil, invalid.New("policy", "no policy named %q in this tenant", in.Policy)
			}
			if err != nil {
				return 0, nil, err
			}
			id = p.ID
		} else if id <= 0 {
			return 0, nil, invalid.New("policy", "is required: the policy's name (or policy_id)")
		}
		j, err := in.job(tenant, id)
		if err != nil {
			return 0, nil, err
		}
		stored, isNew, err := h.store.AddJob(r.Context(), j)
		if errors.Is(err, storage.ErrNotFound) {
			return 0, nil, invalid.New("policy_id", "no policy %d in this tenant", id)
		}
		if err != nil {
			return 0, nil, err
		}
		if !isNew {
			return http.StatusOK, stored, nil
		}
		return http.StatusCreated, stored, nil
	})
}

func (h *Handlers) status(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.Statuses(r.Context(), tenant, h.now())
		return http.StatusOK, list, err
	})
}

// policy is the glue of reading, changing and deleting one policy.
func (h *Handlers) policy() request.Record[Policy, policyInput] {
	return request.Record[Policy, policyInput]{
		Authz: h.tenant, Noun: "backup policy", Object: "backup_policy",
		Get: h.store.Policy, Apply: policyInput.onto, Update: h.store.UpdatePolicy, Delete: h.store.DeletePolicy,
	}
}
