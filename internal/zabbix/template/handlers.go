package template

import (
	_ "embed"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// ImportPath is where a Zabbix export is posted.
const ImportPath = "/api/v1/tenants/{tenant}/templates/import/zabbix"

// Handlers serves the import of Zabbix templates.
type Handlers struct {
	store  *monitoring.Store
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers storing into store; tenant authorises
// the path's tenant.
func NewHandlers(store *monitoring.Store, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, tenant: tenant, logger: logger}
}

// Routes is the route table; openapi_paths.json documents it.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{{Method: "POST", Path: ImportPath, Handler: h.importZabbix}}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

// importZabbix translates the export in the body and, unless ?dry_run=true,
// stores its templates for the tenant, all or none; it answers the report
// either way (201 stored, 200 dry run).
func (h *Handlers) importZabbix(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		q := r.URL.Query()
		dry := q.Get("dry_run")
		if dry != "" && dry != "true" && dry != "false" {
			return 0, nil, invalid.New("dry_run", "must be true or false, not %q", dry)
		}
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxExport))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return 0, nil, invalid.New("body", "is over the bound of %d bytes", MaxExport)
		}
		if err != nil {
			return 0, nil, invalid.New("body", "cannot be read: %v", err)
		}
		rep, err := Import(data, tenant, Options{Address: q.Get("address")})
		if err != nil {
			return 0, nil, err
		}
		if dry == "true" {
			return http.StatusOK, rep, nil
		}
		list := make([]*monitoring.Template, len(rep.Templates))
		for i, t := range rep.Templates {
			list[i] = t.Template
		}
		detail := map[string]any{"zabbix_version": rep.Version, "format": rep.Format, "templates": names(list), "rate": rep.Rate}
		ctx := response.Audited(r, tenant, "import", "monitoring_template", "", detail)
		if err := h.store.CreateTemplates(ctx, tenant, list); err != nil {
			return 0, nil, err
		}
		h.logger.Info("zabbix templates imported", "tenant", tenant, "templates", len(list), "rate", rep.Rate)
		return http.StatusCreated, rep, nil
	})
}

func names(list []*monitoring.Template) []string {
	out := make([]string, len(list))
	for i, t := range list {
		out[i] = t.Name
	}
	return out
}
