package yearplan

import (
	_ "embed"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the yearly plan API. A plan is computed on request and
// not stored: nothing changes, so nothing is audited.
type Handlers struct {
	svc    *Service
	tenant route.Authorizer
	logger *slog.Logger
}

// NewHandlers returns the handlers of svc; tenant authorises the paths'
// {tenant}.
func NewHandlers(svc *Service, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{svc: svc, tenant: tenant, logger: logger}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const prefix = "/api/v1/tenants/{tenant}/yearly-plan"

// Routes is the route table of the yearly plan API; openapi_paths.json
// lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.serve("json")},
		{Method: "GET", Path: prefix + ".html", Handler: h.serve("html")},
		{Method: "GET", Path: prefix + ".pdf", Handler: h.serve("pdf")},
		{Method: "GET", Path: prefix + "/drafts", Handler: h.serve("drafts")},
	}
}

// MinTarget and MaxTarget bound the target utilisation (percent) a plan
// may be asked for.
const MinTarget, MaxTarget = 10, 95

// options reads ?lang= and ?target= of r.
func options(r *http.Request) (Options, error) {
	var o Options
	q := r.URL.Query()
	switch lang := q.Get("lang"); lang {
	case "", "ja", "en":
		o.Language = lang
	default:
		return o, invalid.New("lang", "must be ja or en, not %q", lang)
	}
	if s := q.Get("target"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || !(v >= MinTarget && v <= MaxTarget) { // NaN fails too
			return o, invalid.New("target", "must be a utilisation in percent from %d to %d, not %q", MinTarget, MaxTarget, s)
		}
		o.Target = v
	}
	return o, nil
}

var contentTypes = map[string]string{"html": "text/html; charset=utf-8", "pdf": "application/pdf"}

func (h *Handlers) serve(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant, err := h.tenant(r, model.ScopeRead)
		if err != nil {
			response.Error(w, r, err)
			return
		}
		o, err := options(r)
		if err != nil {
			response.Error(w, r, err)
			return
		}
		p, err := h.svc.Generate(r.Context(), tenant, o)
		if err != nil {
			response.Error(w, r, err)
			return
		}
		var body []byte
		switch kind {
		case "json":
			response.JSON(w, http.StatusOK, p)
			return
		case "drafts":
			response.JSON(w, http.StatusOK, p.Drafts())
			return
		case "html":
			body, err = HTML(p)
		case "pdf":
			body, err = h.svc.PDF(p)
		}
		if errors.Is(err, ErrNoPDF) {
			response.Error(w, r, &response.StatusError{Status: http.StatusServiceUnavailable, Message: err.Error()})
			return
		}
		if err != nil {
			response.Error(w, r, err)
			return
		}
		w.Header().Set("Content-Type", contentTypes[kind])
		w.Header().Set("Content-Disposition", `inline; filename="yearly-plan-`+tenant+`.`+kind+`"`)
		_, _ = w.Write(body)
	}
}
