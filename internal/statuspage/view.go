package statuspage

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/report"
)

// Days is how many days of availability the page shows.
const Days = 90

// Availability gives each service's availability day by day;
// report.(*Generator).Daily is the one.
type Availability interface {
	Daily(ctx context.Context, tenant string, to time.Time, days int, loc *time.Location) ([]report.ServiceDays, error)
}

// Tenants reads a tenant (its name, language and zone); storage.(*Store) is one.
type Tenants interface {
	Tenant(ctx context.Context, id string) (*model.Tenant, error)
}

// View is everything the public sees of a page: no incident number, no
// host, no internal text, no author.
type View struct {
	Title     string        `json:"title"`
	Language  string        `json:"-"`
	TimeZone  string        `json:"time_zone"`
	State     string        `json:"state"` // the worst of the services' states
	Services  []ServiceView `json:"services"`
	Notices   []NoticeView  `json:"notices"`
	UpdatedAt time.Time     `json:"updated_at"`
	loc       *time.Location
}

// The states of a service, worst last.
const (
	StateOperational = "operational"
	StateDegraded    = "degraded" // an open incident notice names the service
	StateOutage      = "outage"   // its checks fail now
)

// ServiceView is one service's line.
type ServiceView struct {
	Name    string       `json:"name"`
	State   string       `json:"state"`
	Percent float64      `json:"availability_90d"`
	Days    []report.Day `json:"days"`
}

// NoticeView is one open incident's notice.
type NoticeView struct {
	Title    string       `json:"title"`
	Started  time.Time    `json:"started_at"`
	Services []string     `json:"services"`
	Updates  []UpdateView `json:"updates"`
}

// UpdateView is one public update, without its author.
type UpdateView struct {
	Body string    `json:"body"`
	At   time.Time `json:"at"`
}

// Service builds the views of public pages and keeps each for TTL, so a
// crowd reading a page during an outage costs one computation a minute.
type Service struct {
	store   *Store
	tenants Tenants
	avail   Availability
	ttl     time.Duration
	now     func() time.Time
	logger  *slog.Logger

	mu    sync.Mutex
	cache map[string]cached // tenant → view
}

type cached struct {
	view *View
	at   time.Time
}

// Options configure a Service. TTL 0 is a minute; a negative TTL keeps
// nothing (every request builds its view).
type Options struct {
	Store        *Store
	Tenants      Tenants
	Availability Availability // nil: services without bars
	TTL          time.Duration
	Now          func() time.Time
	Logger       *slog.Logger
}

// NewService returns the Service.
func NewService(o Options) *Service {
	if o.TTL == 0 {
		o.TTL = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{store: o.Store, tenants: o.Tenants, avail: o.Availability, ttl: o.TTL, now: o.Now, logger: o.Logger, cache: map[string]cached{}}
}

// Store returns the service's store.
func (s *Service) Store() *Store { return s.store }

// Forget drops tenant's cached view: its settings or notices changed.
func (s *Service) Forget(tenant string) {
	s.mu.Lock()
	delete(s.cache, tenant)
	s.mu.Unlock()
}

// Public returns the view of the enabled page of slug, or
// storage.ErrNotFound for a slug no enabled page has.
func (s *Service) Public(ctx context.Context, slug string) (*View, error) {
	p, err := s.store.BySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[p.Tenant]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < s.ttl {
		return c.view, nil
	}
	v, err := s.build(ctx, p, now)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cache[p.Tenant] = cached{view: v, at: now}
	s.mu.Unlock()
	return v, nil
}

// build computes the view of page p now.
func (s *Service) build(ctx context.Context, p *Page, now time.Time) (*View, error) {
	t, err := s.tenants.Tenant(ctx, p.Tenant)
	if err != nil {
		return nil, fmt.Errorf("statuspage: %w", err)
	}
	loc, err := time.LoadLocation(t.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	v := &View{Title: p.Title, Language: t.Language, TimeZone: loc.String(), State: StateOperational, UpdatedAt: now.UTC().Truncate(time.Second),
		Services: []ServiceView{}, Notices: []NoticeView{}, loc: loc}
	if v.Title == "" {
		v.Title = t.Name
	}
	notices, err := s.store.Notices(ctx, p.Tenant, true)
	if err != nil {
		return nil, err
	}
	noticed := map[int64]bool{}
	for _, n := range notices {
		noticed[n.ServiceID] = true
	}
	var rows []report.ServiceDays
	if s.avail != nil {
		if rows, err = s.avail.Daily(ctx, p.Tenant, now, Days, loc); err != nil {
			// The notices still say what is known; the bars are left out.
			s.logger.Warn("statuspage: availability not computed", "tenant", p.Tenant, "err", err)
		}
	}
	names := map[int64]string{}
	for _, r := range rows {
		names[r.ID] = r.Service
		sv := ServiceView{Name: r.Service, State: StateOperational, Percent: r.Percent, Days: r.Days}
		switch {
		case r.DownNow:
			sv.State = StateOutage
		case noticed[r.ID]:
			sv.State = StateDegraded
		}
		v.State = worse(v.State, sv.State)
		v.Services = append(v.Services, sv)
	}
	for _, n := range notices {
		nv := NoticeView{Title: n.Title, Started: n.CreatedAt, Services: []string{}, Updates: []UpdateView{}}
		if name := names[n.ServiceID]; name != "" {
			nv.Services = append(nv.Services, name)
		}
		for _, u := range n.Updates {
			nv.Updates = append(nv.Updates, UpdateView{Body: u.Body, At: u.CreatedAt})
		}
		v.State = worse(v.State, StateDegraded)
		v.Notices = append(v.Notices, nv)
	}
	return v, nil
}

func worse(a, b string) string {
	rank := map[string]int{StateOperational: 0, StateDegraded: 1, StateOutage: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// SavePage stores tenant's settings and drops its cached view, so a page
// switched off is gone at once.
func (s *Service) SavePage(ctx context.Context, tenant string, p Page) (*Page, error) {
	defer s.Forget(tenant)
	return s.store.SavePage(ctx, tenant, p)
}

// DeletePage removes tenant's settings (see Store.DeletePage) and drops
// its cached view.
func (s *Service) DeletePage(ctx context.Context, tenant string) error {
	defer s.Forget(tenant)
	return s.store.DeletePage(ctx, tenant)
}

// Publish posts on incident's notice (see Store.Publish) and drops the
// tenant's cached view, so the public reads it at once.
func (s *Service) Publish(ctx context.Context, tenant string, incident int64, actor string, in Publication) (*Notice, error) {
	defer s.Forget(tenant)
	return s.store.Publish(ctx, tenant, incident, actor, in)
}
