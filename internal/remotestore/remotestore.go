// Package remotestore keeps unyo's metrics in a Prometheus-compatible store
// outside the process (VictoriaMetrics single-node or cluster, Prometheus,
// Mimir, Cortex, Thanos). Writes are forwarded as remote write; reads are
// a storage.Queryable over the store's raw samples (VictoriaMetrics export,
// remote read, or the PromQL API: Protocol), so the PromQL engine,
// metricstore.Scope and every reader of metrics (PromQL API, alert rules,
// reports, charts) work as they do on the embedded TSDB.
//
// The tenant is enforced by unyo, not trusted to the store: every Select
// carries the tenant matcher, and every series the store answers is checked
// against all the matchers again before the engine sees it.
package remotestore

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	"github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/limits"
	"github.com/unyo-ops/unyo/internal/metricstore"
)

// Mode is how the store keeps tenants apart on its side.
type Mode string

// The tenant modes of --metrics-tenant-mode.
const (
	// ExtraLabel is VictoriaMetrics single-node: extra_label=tenant=<t> on
	// every write and query URL.
	ExtraLabel Mode = "extra_label"
	// AccountID is VictoriaMetrics cluster: /insert/<AccountID>/prometheus
	// and /select/<AccountID>/prometheus, AccountID from AccountIDOf.
	AccountID Mode = "accountid"
	// OrgIDHeader is Grafana Mimir, Cortex and Thanos Receive: the tenant in
	// the X-Scope-OrgID header.
	OrgIDHeader Mode = "orgid-header"
)

// ParseMode reads a --metrics-tenant-mode value.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ExtraLabel, AccountID, OrgIDHeader:
		return m, nil
	}
	return "", fmt.Errorf("remotestore: tenant mode %q is not extra_label, accountid or orgid-header", s)
}

// AccountIDOf maps a tenant ID to a VictoriaMetrics cluster AccountID: the
// 32-bit FNV-1a hash of the ID. Two tenants may share an AccountID; that
// costs nothing in isolation, because unyo matches tenant="<t>" on every
// read whatever the AccountID.
func AccountIDOf(tenant string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(tenant))
	return h.Sum32()
}

// Options configure a remote store.
type Options struct {
	// WriteURL is the remote-write URL (extra_label, orgid-header), or the
	// vminsert root in accountid mode (…/insert/<id>/prometheus/api/v1/write is added).
	WriteURL string
	// QueryURL is the Prometheus API root (the part before /api/v1), or the
	// vmselect root in accountid mode (…/select/<id>/prometheus is added).
	QueryURL string
	Mode     Mode
	// Protocol is how samples are read; "" is DefaultProtocol(Mode).
	Protocol Protocol
	// Series, if not nil, counts each tenant's series for max_series and
	// refuses new ones over it (limits.Tracker).
	Series *limits.Tracker
	// Client sends both writes and reads; nil is a client with a 30 s timeout.
	Client *http.Client
	// QueueRequests bounds the remote-write requests waiting to be sent;
	// when it is full, ingest is answered 429 so senders keep their samples.
	QueueRequests int
	// Shards is how many requests are sent at once.
	Shards int
	// MinBackoff and MaxBackoff bound the wait between retries of a request
	// the store refused with 5xx or 429, or could not be reached for.
	MinBackoff, MaxBackoff time.Duration
}

// Store is a remote metrics store.
type Store struct {
	opts    Options
	write   *url.URL
	query   *url.URL
	client  *http.Client
	logger  *slog.Logger
	queue   chan job
	stop    chan struct{}
	workers sync.WaitGroup
	metrics *metrics
	once    sync.Once
	// readTypes are the remote-read answers unyo accepts, streamed first.
	readTypes []prompb.ReadRequest_ResponseType
}

// New checks opts and starts the senders. Close stops them.
func New(opts Options, logger *slog.Logger, reg prometheus.Registerer) (*Store, error) {
	if _, err := ParseMode(string(opts.Mode)); err != nil {
		return nil, err
	}
	p, err := ParseProtocol(string(opts.Protocol), opts.Mode)
	if err != nil {
		return nil, err
	}
	opts.Protocol = p
	w, err := parseURL("--metrics-write-url", opts.WriteURL)
	if err != nil {
		return nil, err
	}
	q, err := parseURL("--metrics-query-url", opts.QueryURL)
	if err != nil {
		return nil, err
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.QueueRequests <= 0 {
		opts.QueueRequests = 1000
	}
	if opts.Shards <= 0 {
		opts.Shards = 4
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 100 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(10*time.Second, opts.MinBackoff)
	}
	s := &Store{
		opts: opts, write: w, query: q, client: opts.Client, logger: logger,
		queue:     make(chan job, opts.QueueRequests),
		stop:      make(chan struct{}),
		readTypes: []prompb.ReadRequest_ResponseType{prompb.ReadRequest_STREAMED_XOR_CHUNKS, prompb.ReadRequest_SAMPLES},
	}
	s.metrics = newMetrics(reg, s.queue)
	for range opts.Shards {
		s.workers.Add(1)
		go s.send()
	}
	if opts.Series != nil {
		s.workers.Add(1)
		go s.expire()
	}
	return s, nil
}

func parseURL(flag, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("remotestore: %s %q is not an http(s) URL", flag, raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// ForTenant returns a queryable that sees only tenant's series.
func (s *Store) ForTenant(tenant string) storage.Queryable {
	return metricstore.Scope(&queryable{s: s, tenant: tenant}, tenant)
}

// Queryable returns the unscoped queryable, for MSP staff reading across
// tenants (as metricstore.Store.Queryable); only extra_label mode has one.
func (s *Store) Queryable() storage.Queryable { return &queryable{s: s} }

// DeleteTenant deletes every series of tenant in the store, so that a tenant
// created later with the same ID reads none of them.
func (s *Store) DeleteTenant(ctx context.Context, tenant string) error {
	if s.opts.Series != nil {
		defer s.opts.Series.Forget(tenant)
	}
	form := url.Values{"match[]": {selector([]*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, metricstore.TenantLabel, tenant)})}}
	u := *s.query
	if s.opts.Mode == AccountID {
		u.Path += "/delete/" + strconv.FormatUint(uint64(AccountIDOf(tenant)), 10) + "/prometheus"
	} else if s.opts.Mode == ExtraLabel {
		form.Add("extra_label", metricstore.TenantLabel+"="+tenant)
	}
	u.Path += "/api/v1/admin/tsdb/delete_series"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("remotestore: cannot delete tenant %q: %w", tenant, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	s.header(req, tenant)
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("remotestore: cannot delete tenant %q: %w", tenant, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("remotestore: cannot delete tenant %q: %s: %s", tenant, resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}

// writeURL is where tenant's remote-write requests go.
func (s *Store) writeURL(tenant string) string {
	u := *s.write
	switch s.opts.Mode {
	case ExtraLabel:
		q := u.Query()
		q.Add("extra_label", metricstore.TenantLabel+"="+tenant)
		u.RawQuery = q.Encode()
	case AccountID:
		u.Path += "/insert/" + strconv.FormatUint(uint64(AccountIDOf(tenant)), 10) + "/prometheus/api/v1/write"
	}
	return u.String()
}

// queryURL is the URL of the Prometheus API path api (e.g. "/api/v1/export")
// for tenant, with the tenant's form values to send.
func (s *Store) queryURL(tenant, api string, form url.Values) string {
	u := *s.query
	switch s.opts.Mode {
	case ExtraLabel:
		if tenant != "" {
			form.Add("extra_label", metricstore.TenantLabel+"="+tenant)
		}
	case AccountID:
		u.Path += "/select/" + strconv.FormatUint(uint64(AccountIDOf(tenant)), 10) + "/prometheus"
	}
	u.Path += api
	return u.String()
}

// header sets what the store needs to know of tenant on a request: in
// orgid-header mode both X-Scope-OrgID (Mimir, Cortex) and THANOS-TENANT
// (Thanos Receive's and Thanos Query's default --receive.tenant-header and
// --query.tenant-header), on writes and reads alike.
func (s *Store) header(r *http.Request, tenant string) {
	if s.opts.Mode == OrgIDHeader && tenant != "" {
		r.Header.Set("X-Scope-OrgID", tenant)
		r.Header.Set("THANOS-TENANT", tenant)
	}
}

// Close stops taking writes, sends what is queued (until the senders give
// up on an unreachable store) and stops the senders.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.stop) })
	s.workers.Wait()
	return nil
}

// Ping asks the store's query API for a constant, as any Prometheus-
// compatible store answers: the readiness check of a replica whose samples
// live there (/readyz). It reads no tenant's series.
func (s *Store) Ping(ctx context.Context) error {
	form := url.Values{"query": {"vector(1)"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.queryURL("", "/api/v1/query", form)+"?"+form.Encode(), nil)
	if err != nil {
		return fmt.Errorf("remotestore: %w", err)
	}
	s.header(req, "unyo-ping")
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("remotestore: the store does not answer: %w", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("remotestore: the store answers %s", resp.Status)
	}
	return nil
}
