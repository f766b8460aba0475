package blueprint

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
)

// Silence holds the notifications of the alerts its matchers match until
// EndsAt: as code, a long-lived one such as a known-noisy check silenced
// until a vendor's fix. Silences have no name: the comment (why) is the
// key, so it is unique in the design. The store allows at most 90 days
// ahead, and a silence whose end has passed is refused by validate: the
// file is cleaned up rather than a silence re-created forever.
type Silence struct {
	Comment  string          `json:"comment"`
	Matchers []alert.Matcher `json:"matchers"`
	StartsAt time.Time       `json:"starts_at,omitzero"` // empty or past: at once
	EndsAt   time.Time       `json:"ends_at"`
}

// silences are the tenant's silences that have not ended.
type silences struct{}

func (silences) name() string { return KindSilence }

func (silences) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Silences.Silences(ctx, tenant)
	if err != nil {
		return err
	}
	now := st.x.now
	for i := len(list) - 1; i >= 0; i-- { // oldest first: a later one of the same comment is keyed apart
		m := list[i]
		if !m.EndsAt.After(now) || !m.EndsAt.After(m.StartsAt) { // ended, or expired before it began
			continue
		}
		key := m.Comment
		if _, dup := st.objs[KindSilence][key]; dup {
			key = fmt.Sprintf("%s (#%d)", m.Comment, m.ID) // made by hand with the same comment: unmanaged
		}
		st.put(KindSilence, key, &object{id: m.ID, design: silenceOf(m, now), recorded: silenceOf(m, time.Time{})})
	}
	return nil
}

func (silences) want(d *Design, tenant string, x *ids, add adder) error {
	now := x.now
	for _, v := range d.Silences {
		m := v.model(tenant)
		add(m.Comment, silenceOf(m, now), v)
	}
	return nil
}

func (silences) validate(l *loader, d *Design, x *ids, u *unique) {
	now := x.now
	for i, s := range d.Silences {
		at := fmt.Sprintf("silences[%d]", i)
		u.add("silences", at, "comment", strings.TrimSpace(s.Comment))
		if !s.EndsAt.IsZero() && !s.EndsAt.After(now) {
			l.fail(at, "ends_at", fmt.Sprintf("%s has passed: the silence has ended, remove it from the design", s.EndsAt.UTC().Format(time.RFC3339)))
			continue
		}
		l.check(at, s.model(d.Tenant).Validate(now))
	}
}

// write creates a silence; a silence is never edited in place (as in
// Alertmanager): a changed one is expired and made anew.
func (silences) write(ctx context.Context, w *writer, v any, id int64) error {
	e := w.s.stores.Silences
	if id != 0 {
		if err := e.ExpireSilence(ctx, w.tenant, id); err != nil {
			return err
		}
	}
	return e.CreateSilence(ctx, v.(Silence).model(w.tenant), w.actor)
}

// remove expires the silence: the record of what was silenced stays.
func (silences) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Silences.ExpireSilence(ctx, tenant, id)
}

func (silences) export(d *Design, v any) { d.Silences = append(d.Silences, v.(Silence)) }

func (s Silence) model(tenant string) *alert.Silence {
	return &alert.Silence{TenantID: tenant, Matchers: s.Matchers, StartsAt: utc(s.StartsAt), EndsAt: utc(s.EndsAt), Comment: strings.TrimSpace(s.Comment)}
}

// silenceOf is a silence as plans compare it at now: to the millisecond, as
// stored, and with a start only while it is still to come (a silence
// started is the same whenever it started). At the zero time it keeps its
// start: the form drift records, the same whenever it is read.
func silenceOf(m *alert.Silence, now time.Time) Silence {
	s := Silence{Comment: m.Comment, Matchers: m.Matchers, EndsAt: m.EndsAt.UTC().Truncate(time.Millisecond)}
	if m.StartsAt.After(now) {
		s.StartsAt = m.StartsAt.UTC().Truncate(time.Millisecond)
	}
	return s
}
