package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

const (
	maxEventsPerRequest = 5000
	maxMessageBytes     = 8 << 10
)

// logEventInput is one event as an agent sends it.
type logEventInput struct {
	Time     time.Time         `json:"time"`
	Host     string            `json:"host"`
	Source   string            `json:"source"`
	Item     string            `json:"item"`
	Pattern  string            `json:"pattern"`
	Severity string            `json:"severity"`
	Message  string            `json:"message"`
	Labels   map[string]string `json:"labels"`
}

func (in *logEventInput) validate() error {
	switch {
	case in.Time.IsZero():
		return invalid.New("time", "is required (RFC 3339)")
	case in.Host == "":
		return invalid.New("host", "is required")
	case in.Item == "":
		return invalid.New("item", "is required")
	case in.Severity != "info" && in.Severity != "warning" && in.Severity != "critical":
		return invalid.New("severity", "must be info, warning or critical, not %q", in.Severity)
	case len(in.Message) > maxMessageBytes:
		return invalid.New("message", "is longer than %d bytes", maxMessageBytes)
	}
	return nil
}

// addLogEvents takes a batch of log events from an agent of the token's tenant.
func (a *API) addLogEvents(w http.ResponseWriter, r *http.Request) {
	p := auth.FromContext(r.Context())
	if !p.Can(model.ScopeIngest) || p.Global() {
		response.Error(w, r, response.Forbidden("log events need a tenant's token with the ingest scope"))
		return
	}
	var in []logEventInput
	if err := request.DecodeJSONLimit(w, r, &in, 16<<20); err != nil {
		response.Error(w, r, err)
		return
	}
	if len(in) > maxEventsPerRequest {
		response.Error(w, r, invalid.New("body", "%d events, more than the limit of %d", len(in), maxEventsPerRequest))
		return
	}
	events := make([]storage.LogEvent, len(in))
	for i := range in {
		if err := in[i].validate(); err != nil {
			response.Error(w, r, invalid.Prefix(fmt.Sprintf("[%d]", i), err))
			return
		}
		e := in[i]
		events[i] = storage.LogEvent{Time: e.Time, Host: e.Host, Source: e.Source, Item: e.Item, Pattern: e.Pattern,
			Severity: e.Severity, Message: e.Message, Labels: e.Labels}
	}
	added, err := a.store.AddLogEvents(r.Context(), p.Tenant, events)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, map[string]int{"received": len(events), "added": added})
}

// listLogEvents searches a tenant's log events by time range, host, item,
// severity and text.
func (a *API) listLogEvents(w http.ResponseWriter, r *http.Request) {
	tenant, err := a.PathTenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	q := r.URL.Query()
	f := storage.LogEventFilter{Host: q.Get("host"), Item: q.Get("item"), Severity: q.Get("severity"), Text: q.Get("q"), Limit: 100}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.name); v != "" {
			if *p.dst, err = time.Parse(time.RFC3339Nano, v); err != nil {
				response.Error(w, r, invalid.New(p.name, "must be an RFC 3339 time, not %q", v))
				return
			}
		}
	}
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 10000 {
			response.Error(w, r, invalid.New("limit", "must be a number from 1 to 10000"))
			return
		}
	}
	list, err := a.store.LogEvents(r.Context(), tenant, f)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusOK, list)
}
