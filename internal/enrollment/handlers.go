package enrollment

import (
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/facts"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/storage"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the enrollment endpoint.
type Handlers struct {
	store  *Store
	tokens *storage.Store
	forget func(tokenID int64) // drops a revoked token from the authenticator's cache
	logger *slog.Logger
	now    func() time.Time
}

// NewHandlers returns the handlers; tokens looks up the enroll token, and
// forget is called with each host token an enrollment revokes.
func NewHandlers(store *Store, tokens *storage.Store, forget func(tokenID int64), logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	if forget == nil {
		forget = func(int64) {}
	}
	return &Handlers{store: store, tokens: tokens, forget: forget, logger: logger, now: time.Now}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

// Routes is the route table; openapi_paths.json lists exactly these. The
// route checks its token itself (Public) so that an agent given a revoked
// or wrong token hears why, not a bare 401.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{{Method: "POST", Path: facts.EnrollPath, Public: true, Handler: h.enroll}}
}

func unauthorized(format string, args ...any) error {
	return &response.StatusError{Status: http.StatusUnauthorized, Message: fmt.Sprintf(format, args...)}
}

// enrollToken returns the enroll token r carries, or why it is refused.
func (h *Handlers) enrollToken(r *http.Request) (*model.Token, error) {
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	secret = strings.TrimSpace(secret)
	if !ok || !auth.IsToken(secret) {
		return nil, unauthorized("enrollment needs a tenant's enroll token (Authorization: Bearer TOKEN)")
	}
	t, err := h.tokens.TokenByHash(r.Context(), auth.HashToken(secret))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, unauthorized("enrollment token not recognised: check it, or ask for a new one")
	}
	if err != nil {
		return nil, err
	}
	now := h.now()
	switch {
	case t.RevokedAt != nil:
		return nil, unauthorized("enrollment token %s… was revoked on %s: ask for a new enrollment token", t.Prefix, t.RevokedAt.UTC().Format(time.DateOnly))
	case t.ExpiresAt != nil && !now.Before(*t.ExpiresAt):
		return nil, unauthorized("enrollment token %s… expired on %s: ask for a new enrollment token", t.Prefix, t.ExpiresAt.UTC().Format(time.DateOnly))
	case !t.Has(model.ScopeEnroll) || t.TenantID == "":
		return nil, response.Forbidden(fmt.Sprintf("token %s… cannot enroll hosts: it has no enroll scope", t.Prefix))
	}
	h.tokens.TouchToken(r.Context(), t.ID, now)
	return t, nil
}

func (h *Handlers) enroll(w http.ResponseWriter, r *http.Request) {
	t, err := h.enrollToken(r)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	r = r.WithContext(auth.WithPrincipal(r.Context(), auth.TokenPrincipal(t)))
	var in facts.EnrollRequest
	if err := request.DecodeJSON(w, r, &in); err != nil {
		response.Error(w, r, err)
		return
	}
	if err := validate(in); err != nil {
		response.Error(w, r, err)
		return
	}
	if t.HostSelector != "" {
		sel, err := monitoring.ParseSelector(t.HostSelector)
		if err != nil || !sel.Matches(in.Facts.Labels()) {
			response.Error(w, r, response.Forbidden(fmt.Sprintf(
				"enrollment token %s… enrolls only hosts matching %s; this host does not (os=%s, hostname=%s)", t.Prefix, t.HostSelector, in.Facts.OS, in.Facts.Hostname)))
			return
		}
	}
	res, err := h.store.Enroll(response.Audited(r, t.TenantID, "enroll", "resource", "", nil), t.TenantID, in, t)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	for _, id := range res.Revoked {
		h.forget(id)
	}
	h.logger.Info("enrollment: host enrolled", "tenant", t.TenantID, "host", res.Resource.Name,
		"resource", res.Resource.ID, "created", res.Created, "enroll_token", t.ID)
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	response.JSON(w, status, facts.Enrolled{Tenant: t.TenantID, Host: res.Resource.Name, ResourceID: res.Resource.ID,
		Created: res.Created, Labels: res.Resource.Labels, Token: res.Secret})
}

// validate checks what an agent sent before anything is stored.
func validate(in facts.EnrollRequest) error {
	switch {
	case strings.TrimSpace(in.Host) == "":
		return invalid.New("host", "is required: the name the host is registered as")
	case len(in.Host) > 200:
		return invalid.New("host", "is longer than 200 bytes")
	case in.Facts.OS == "":
		return invalid.New("facts.os", "is required")
	case in.Facts.MachineID == "" && (in.Facts.Cloud == nil || in.Facts.Cloud.InstanceID == ""):
		return invalid.New("facts.machine_id", "is required when there is no cloud instance ID: re-enrolling must find the same host")
	}
	return nil
}
