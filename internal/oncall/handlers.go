package oncall

import (
	_ "embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Handlers serves the on-call API, the iCalendar feeds and the
// acknowledgement page of signed links.
type Handlers struct {
	store  *Store
	signer *Signer
	ack    AckFunc
	tenant route.Authorizer
	logger *slog.Logger
	now    func() time.Time
}

// NewHandlers returns the handlers over store; signer and ack serve the
// acknowledgement links (nil signer: no links).
func NewHandlers(store *Store, signer *Signer, ack AckFunc, tenant route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{store: store, signer: signer, ack: ack, tenant: tenant, logger: logger, now: time.Now}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

const (
	prefix   = "/api/v1/tenants/{tenant}/oncall-rotations"
	ackPath  = "/api/v1/oncall/ack/"
	feedPath = "/api/v1/oncall/feeds/"
)

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{
		{Method: "GET", Path: prefix, Handler: h.list},
		{Method: "POST", Path: prefix, Handler: h.create},
		{Method: "GET", Path: prefix + "/{id}", Handler: h.get},
		{Method: "PUT", Path: prefix + "/{id}", Handler: h.update},
		{Method: "DELETE", Path: prefix + "/{id}", Handler: h.delete},
		{Method: "GET", Path: prefix + "/{id}/oncall", Handler: h.onCall},
		{Method: "GET", Path: prefix + "/{id}/schedule", Handler: h.schedule},
		{Method: "GET", Path: prefix + "/{id}/overrides", Handler: h.overrides},
		{Method: "POST", Path: prefix + "/{id}/overrides", Handler: h.addOverride},
		{Method: "DELETE", Path: prefix + "/{id}/overrides/{override}", Handler: h.deleteOverride},
		{Method: "POST", Path: "/api/v1/tenants/{tenant}/oncall-feeds", Handler: h.newFeed},
		{Method: "GET", Path: feedPath + "{token}", Public: true, Handler: h.feed},
		{Method: "GET", Path: ackPath + "{token}", Public: true, Handler: h.ackPage},
		{Method: "POST", Path: ackPath + "{token}", Public: true, Handler: h.ackPost},
	}
}

// input is what a client may send for a rotation.
type input struct {
	Name     string  `json:"name"`
	TimeZone string  `json:"time_zone"`
	Layers   []Layer `json:"layers"`
}

func (in input) rotation(tenant string, id int64) *Rotation {
	return &Rotation{ID: id, Tenant: tenant, Name: in.Name, TimeZone: in.TimeZone, Layers: in.Layers}
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		list, err := h.store.List(r.Context(), tenant)
		return http.StatusOK, list, err
	})
}

func (h *Handlers) rotation(r *http.Request, tenant string) (*Rotation, error) {
	id, err := request.PathID(r, "rotation")
	if err != nil {
		return nil, err
	}
	return h.store.Get(r.Context(), tenant, id)
}

func (h *Handlers) get(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		rot, err := h.rotation(r, tenant)
		return http.StatusOK, rot, err
	})
}

func (h *Handlers) create(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		rot := in.rotation(tenant, 0)
		if err := h.store.Create(response.Audited(r, tenant, "create", "oncall_rotation", "", nil), rot); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, rot, nil
	})
}

func (h *Handlers) update(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "rotation")
		if err != nil {
			return 0, nil, err
		}
		var in input
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		rot := in.rotation(tenant, id)
		if err := h.store.Update(response.Audited(r, tenant, "update", "oncall_rotation", "", nil), rot); err != nil {
			return 0, nil, err
		}
		return http.StatusOK, rot, nil
	})
}

func (h *Handlers) delete(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "rotation")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.Delete(response.Audited(r, tenant, "delete", "oncall_rotation", "", nil), tenant, id); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}

// timeParam reads an RFC 3339 query parameter, def when absent.
func timeParam(r *http.Request, name string, def time.Time) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, invalid.New(name, "must be an RFC 3339 time, e.g. 2026-03-08T07:00:00Z")
	}
	return t, nil
}

// current is the answer of "who is on call".
type current struct {
	At     time.Time `json:"at"`
	OnCall *Shift    `json:"on_call"` // null when nobody is
}

func (h *Handlers) onCall(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		rot, err := h.rotation(r, tenant)
		if err != nil {
			return 0, nil, err
		}
		at, err := timeParam(r, "at", h.now())
		if err != nil {
			return 0, nil, err
		}
		s, ok, err := h.store.Now(r.Context(), tenant, rot, at)
		out := current{At: at.UTC()}
		if ok {
			out.OnCall = &s
		}
		return http.StatusOK, out, err
	})
}

func (h *Handlers) schedule(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		rot, err := h.rotation(r, tenant)
		if err != nil {
			return 0, nil, err
		}
		from, err := timeParam(r, "from", h.now())
		if err != nil {
			return 0, nil, err
		}
		to, err := timeParam(r, "to", from.Add(14*24*time.Hour))
		if err != nil {
			return 0, nil, err
		}
		ov, err := h.store.Overrides(r.Context(), tenant, rot.ID, from)
		if err != nil {
			return 0, nil, err
		}
		list, err := Schedule(rot, ov, from, to)
		if errors.Is(err, ErrRange) {
			return 0, nil, invalid.New("to", "must be after from and at most 93 days later")
		}
		return http.StatusOK, list, err
	})
}

func (h *Handlers) overrides(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeRead, func(tenant string) (int, any, error) {
		rot, err := h.rotation(r, tenant)
		if err != nil {
			return 0, nil, err
		}
		list, err := h.store.Overrides(r.Context(), tenant, rot.ID, time.UnixMilli(0))
		return http.StatusOK, list, err
	})
}

func (h *Handlers) addOverride(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "rotation")
		if err != nil {
			return 0, nil, err
		}
		var o Override
		if err := request.DecodeJSON(w, r, &o); err != nil {
			return 0, nil, err
		}
		o.ID, o.Rotation = 0, id
		if err := h.store.AddOverride(response.Audited(r, tenant, "create", "oncall_override", "", nil), tenant, &o); err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, o, nil
	})
}

func (h *Handlers) deleteOverride(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		id, err := request.PathID(r, "rotation")
		if err != nil {
			return 0, nil, err
		}
		r.SetPathValue("id", r.PathValue("override"))
		oid, err := request.PathID(r, "override")
		if err != nil {
			return 0, nil, err
		}
		if err := h.store.DeleteOverride(response.Audited(r, tenant, "delete", "oncall_override", "", nil), tenant, id, oid); err != nil {
			return 0, nil, err
		}
		return http.StatusNoContent, nil, nil
	})
}

// feedInput names whose feed to make.
type feedInput struct {
	Contact string `json:"contact"`
}

// feedOutput is shown once: only the token's hash is kept.
type feedOutput struct {
	Contact string `json:"contact"`
	URL     string `json:"url"` // path of the feed, under the server's URL
}

func (h *Handlers) newFeed(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.tenant, model.ScopeWrite, func(tenant string) (int, any, error) {
		var in feedInput
		if err := request.DecodeJSON(w, r, &in); err != nil {
			return 0, nil, err
		}
		if strings.TrimSpace(in.Contact) == "" {
			return 0, nil, invalid.New("contact", "is required")
		}
		token, err := h.store.NewFeed(response.Audited(r, tenant, "create", "oncall_feed", in.Contact, nil), tenant, in.Contact)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusCreated, feedOutput{Contact: in.Contact, URL: feedPath + token}, nil
	})
}

// feed serves a person's shifts in every rotation of the tenant, from a
// week ago to 60 days ahead, to whoever holds the secret URL.
func (h *Handlers) feed(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	tenant, contact, err := h.store.Feed(ctx, strings.TrimSuffix(r.PathValue("token"), ".ics"))
	if err != nil {
		response.Error(w, r, response.NotFound("no such feed"))
		return
	}
	now := h.now()
	from, to := now.Add(-7*24*time.Hour), now.Add(60*24*time.Hour)
	rots, err := h.store.List(ctx, tenant)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	var shifts []FeedShift
	for _, rot := range rots {
		ov, err := h.store.Overrides(ctx, tenant, rot.ID, from)
		if err != nil {
			response.Error(w, r, err)
			return
		}
		list, err := Schedule(rot, ov, from, to)
		if err != nil {
			response.Error(w, r, err)
			return
		}
		for _, s := range list {
			if s.Contact == contact {
				shifts = append(shifts, FeedShift{Rotation: rot.Name, Shift: s})
			}
		}
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, _ = w.Write([]byte(Calendar(tenant, contact, shifts, now)))
}

var ackPage = template.Must(template.New("ack").Parse(`<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Title}}</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:2em auto">
<h1>{{.Title}}</h1><p>{{.Text}}</p>
{{if .Form}}<form method="post"><button type="submit" style="font-size:1.2em;padding:.5em 1.5em">確認しました / Acknowledge</button></form>{{end}}
</body></html>`))

type ackView struct {
	Title, Text string
	Form        bool
}

func (h *Handlers) renderAck(w http.ResponseWriter, status int, v ackView) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	_ = ackPage.Execute(w, v)
}

// ackPage only asks: link scanners and mail previews open every link, and
// must not acknowledge for the person.
func (h *Handlers) ackPage(w http.ResponseWriter, r *http.Request) {
	l, err := h.verify(r)
	if err != nil {
		h.renderAck(w, http.StatusNotFound, ackView{Title: "リンクが無効です / Invalid link", Text: "このリンクは無効か期限切れです。 This link is invalid or has expired."})
		return
	}
	h.renderAck(w, http.StatusOK, ackView{Title: "アラートの確認 / Acknowledge", Form: true,
		Text: "「" + l.Ref + "」を確認済みにして、エスカレーションを止めますか? Acknowledge " + l.Ref + " and stop its escalation?"})
}

func (h *Handlers) ackPost(w http.ResponseWriter, r *http.Request) {
	l, err := h.verify(r)
	if err != nil {
		h.renderAck(w, http.StatusNotFound, ackView{Title: "リンクが無効です / Invalid link", Text: "このリンクは無効か期限切れです。 This link is invalid or has expired."})
		return
	}
	already, err := h.store.Acknowledge(r.Context(), l, h.ack)
	switch {
	case err != nil:
		h.logger.Warn("oncall: acknowledgement from link failed", "tenant", l.Tenant, "ref", l.Ref, "err", err)
		h.renderAck(w, http.StatusConflict, ackView{Title: "確認できませんでした / Not acknowledged", Text: "確認できませんでした。コンソールから操作してください。 It could not be acknowledged; please use the console."})
	case already:
		h.renderAck(w, http.StatusOK, ackView{Title: "確認済みです / Already acknowledged", Text: l.Ref + " は既に確認済みです。 " + l.Ref + " was already acknowledged."})
	default:
		h.logger.Info("oncall: acknowledged from link", "tenant", l.Tenant, "ref", l.Ref, "step", l.Step)
		h.renderAck(w, http.StatusOK, ackView{Title: "確認しました / Acknowledged", Text: l.Ref + " を確認済みにしました。エスカレーションは止まりました。 " + l.Ref + " is acknowledged; its escalation has stopped."})
	}
}

func (h *Handlers) verify(r *http.Request) (Link, error) {
	if h.signer == nil || h.ack == nil {
		return Link{}, ErrLink
	}
	return h.signer.Verify(r.PathValue("token"))
}
