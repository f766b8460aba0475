package alert

import (
	"net/http"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
)

const silencePath = "/api/v1/tenants/{tenant}/silences"

// silenceInput is a silence as the API takes it: an end or a duration.
type silenceInput struct {
	Matchers []Matcher `json:"matchers"`
	StartsAt string    `json:"starts_at"` // RFC 3339; empty: now
	EndsAt   string    `json:"ends_at"`   // RFC 3339, or
	Duration string    `json:"duration"`  // a Go duration from the start
	Comment  string    `json:"comment"`
}

func (in silenceInput) silence(tenant string, now time.Time) (*Silence, error) {
	s := &Silence{TenantID: tenant, Matchers: in.Matchers, Comment: in.Comment}
	if in.StartsAt != "" {
		t, err := time.Parse(time.RFC3339, in.StartsAt)
		if err != nil {
			return nil, invalid.New("starts_at", "must be an RFC 3339 time, not %q", in.StartsAt)
		}
		s.StartsAt = t
	}
	switch {
	case in.EndsAt != "" && in.Duration != "":
		return nil, invalid.New("duration", "give ends_at or duration, not both")
	case in.EndsAt != "":
		t, err := time.Parse(time.RFC3339, in.EndsAt)
		if err != nil {
			return nil, invalid.New("ends_at", "must be an RFC 3339 time, not %q", in.EndsAt)
		}
		s.EndsAt = t
	case in.Duration != "":
		d, err := time.ParseDuration(in.Duration)
		if err != nil || d <= 0 {
			return nil, invalid.New("duration", "must be a positive duration such as 2h, not %q", in.Duration)
		}
		start := s.StartsAt
		if start.IsZero() {
			start = now
		}
		s.EndsAt = start.Add(d)
	}
	return s, nil
}

func (h *Handlers) listSilences(w http.ResponseWriter, r *http.Request) {
	tenant, err := h.tenant(r, model.ScopeRead)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	list, err := h.engine.Silences(r.Context(), tenant)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	if list == nil {
		list = []*Silence{}
	}
	response.JSON(w, http.StatusOK, list)
}

func (h *Handlers) createSilence(w http.ResponseWriter, r *http.Request) {
	tenant, err := h.tenant(r, model.ScopeWrite)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	var in silenceInput
	body, err := readBody(w, r)
	if err == nil {
		err = decodeJSON(body, &in)
	}
	var s *Silence
	if err == nil {
		s, err = in.silence(tenant, h.engine.opts.Now())
	}
	if err == nil {
		err = h.engine.CreateSilence(response.Audited(r, tenant, "create", "silence", "", nil), s, response.Actor(r))
	}
	if err != nil {
		response.Error(w, r, err)
		return
	}
	response.JSON(w, http.StatusCreated, s)
}

func (h *Handlers) expireSilence(w http.ResponseWriter, r *http.Request) {
	tenant, err := h.tenant(r, model.ScopeWrite)
	if err != nil {
		response.Error(w, r, err)
		return
	}
	id, err := request.PathID(r, "silence")
	if err == nil {
		err = h.engine.ExpireSilence(response.Audited(r, tenant, "expire", "silence", "", nil), tenant, id)
	}
	if err != nil {
		response.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
