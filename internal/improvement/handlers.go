package improvement

import (
	_ "embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the register's and the automation candidates' API.
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

const prefix = "/api/v1/tenants/{tenant}/improvements"

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "POST", Path: prefix, Handler: h.create},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.record().Read},
		{Method: "PUT", Path: prefix + "/{id}", Handler: h.record().Write},
		{Method: "POST", Path: prefix + "/{id}/status", Handler: h.move},
		{Method: "GET", Path: "/api/v1/tenants/{tenant}/automation-candidates", Handler: h.candidates},
	}
}

// Input is the body of a create or update.
type Input struct {
	Title    string     `json:"title"`
	Category string     `json:"category"`
	Evidence []Evidence `json:"evidence"`
	Proposal string     `json:"proposal"`
	Effect   string     `json:"expected_effect"`
	Owner    string     `json:"owner"`
	Due      string     `json:"due"`
}

// Onto copies in onto it.
func (in Input) Onto(it *Item) {
	it.Title, it.Category, it.Evidence, it.Proposal = in.Title, in.Category, in.Evidence, in.Proposal
	it.Effect, it.Owner, it.Due = in.Effect, in.Owner, in.Due
	if it.Evidence == nil {
		it.Evidence = []Evidence{}
	}
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		q := r.URL.Query()
		f := Filter{Status: Status(q.Get("status")), Category: q.Get("category")}
		switch q.Get("open") {
		case "", "false":
		case "true":
			f.OpenOnly = true
		default:
			return 0, nil, invalid.New("open", "must be true or false")
		}
		switch f.Status {
		case "", Proposed, Accepted, InProgress, Done, Rejected:
		default:
			return 0, nil, invalid.New("status", "must be proposed, accepted, in_progress, done or rejected, not %q", f.Status)
		}
		list, err := h.store.List(r.Context(), tenant, f)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in Input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		it := &Item{Tenant: tenant, CreatedBy: response.Actor(r)}
		in.Onto(it)
		if err := h.store.Create(response.Audited(r, tenant, "create", "improvement", "", in), it); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, it, nil
	})
}

// Move is the body of a status change.
type Move struct {
	Status Status `json:"status"`
	Note   string `json:"note"`
}

func (h *Handlers) move(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "improvement")
		if err != nil {
			return 0, nil, err
		}
		var in Move
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		it, err := h.store.Move(response.Audited(r, tenant, "status", "improvement", "", in), tenant, id, in.Status, response.Actor(r), in.Note)
		return http.StatusOK, it, err
	})
}

// candidates answers the ranked automation candidates of ?from=YYYY-MM to
// ?to=YYYY-MM (inclusive), by default the three months ending with this one.
func (h *Handlers) candidates(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		first, last, err := MonthsOf(r.URL.Query().Get("from"), r.URL.Query().Get("to"), h.now())
		if err != nil {
			return 0, nil, err
		}
		list, err := h.store.Candidates(r.Context(), tenant, first, last)
		return http.StatusOK, list, err
	})
}

// MaxMonths bounds the window of the automation candidates.
const MaxMonths = 24

// MonthsOf reads a window of months as "YYYY-MM" (inclusive): by default
// the three months ending with now's.
func MonthsOf(from, to string, now time.Time) (first, last time.Time, err error) {
	last = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if to != "" {
		if last, err = time.Parse("2006-01", to); err != nil {
			return first, last, invalid.New("to", "must be a month as YYYY-MM, not %q", to)
		}
	}
	first = last.AddDate(0, -2, 0)
	if from != "" {
		if first, err = time.Parse("2006-01", from); err != nil {
			return first, last, invalid.New("from", "must be a month as YYYY-MM, not %q", from)
		}
	}
	switch {
	case first.After(last):
		return first, last, invalid.New("from", "%s is after to %s", from, last.Format("2006-01"))
	case first.AddDate(0, MaxMonths, 0).Before(last.AddDate(0, 1, 0)):
		return first, last, invalid.New("from", "the window is longer than %d months", MaxMonths)
	}
	return first, last, nil
}

// record is the glue of reading and changing one item.
func (h *Handlers) record() request.Record[Item, Input] {
	return request.Record[Item, Input]{
		Authz: h.tenant, Noun: "improvement", Object: "improvement",
		Get: h.store.Get, Apply: Input.Onto, Update: h.store.Update,
	}
}
