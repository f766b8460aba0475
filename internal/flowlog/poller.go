package flowlog

import (
	"context"
	"errors"
	"fmt"
	"github.com/unyo-ops/unyo/internal/polling"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
)

// The defaults of Options.
const (
	// DefaultDelay is how old a minute must be before it is written:
	// Azure appends a flow log's record about a minute after the minute,
	// and a few more may pass before the blob shows it.
	DefaultDelay = 5 * time.Minute
	// DefaultMaxLookback bounds how far back a pull reaches after an
	// outage, as the TSDB takes samples about an hour old at most.
	DefaultMaxLookback = time.Hour
)

// Options configure a Poller.
type Options struct {
	// Targets lists the NSGs to read, every cycle.
	Targets  func(ctx context.Context) ([]NSG, error)
	Accounts cloudaccount.Resolver
	Client   *http.Client // the outbound policy's in the server
	// Endpoint is the blob host, {account} standing for the storage
	// account's name; DefaultBlobEndpoint when "".
	Endpoint string
	Audience string // the tokens' audience; DefaultStorageAudience when ""
	Sink     sample.Sink
	Marks    *Marks
	Interval time.Duration // between pulls; 1m when 0
	// Delay is how old a minute is when it is written (DefaultDelay when
	// 0): its counts are final then, records of later arrival count in the
	// next minute written.
	Delay time.Duration
	// Backfill is how far before the delay's edge the first pull of an
	// NSG counts; 10m when 0. MaxLookback bounds how far back any pull
	// writes (DefaultMaxLookback when 0): minutes older than that after an
	// outage are skipped.
	Backfill, MaxLookback time.Duration
	Concurrency           int           // NSGs read at once; 4 when 0
	Backoff               time.Duration // the pause of a storage account that throttled without Retry-After; 1m when 0
	Metrics               *Metrics      // self metrics; none when nil
	Logger                *slog.Logger
	Now                   func() time.Time // time.Now when nil
}

// Poller reads every NSG's flow logs once per interval.
type Poller struct {
	opts Options

	mu       sync.Mutex
	conns    map[int64]*conn      // by cloud account
	backoffs map[string]time.Time // tenant/account/storage → until
}

// conn is an account's credential with the pipelines built on it.
type conn struct {
	updated time.Time
	az      cloudaccount.Azure
	blobs   map[string]*blobClient // by storage account
}

// New returns a Poller; call Run, or Cycle for one pull.
func New(opts Options) *Poller {
	if opts.Interval <= 0 {
		opts.Interval = time.Minute
	}
	if opts.Delay <= 0 {
		opts.Delay = DefaultDelay
	}
	if opts.Backfill <= 0 {
		opts.Backfill = 10 * time.Minute
	}
	if opts.MaxLookback <= 0 {
		opts.MaxLookback = DefaultMaxLookback
	}
	opts.MaxLookback = min(opts.MaxLookback, blobsKept/2)
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.Backoff <= 0 {
		opts.Backoff = time.Minute
	}
	if opts.Endpoint == "" {
		opts.Endpoint = DefaultBlobEndpoint
	}
	if opts.Audience == "" {
		opts.Audience = DefaultStorageAudience
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Poller{opts: opts, conns: map[int64]*conn{}, backoffs: map[string]time.Time{}}
}

// Run pulls at every multiple of the interval until ctx ends.
func (p *Poller) Run(ctx context.Context) error {
	polling.OnTicks(ctx, p.opts.Interval, func(ctx context.Context) {
		if err := p.Cycle(ctx); err != nil {
			p.opts.Logger.Warn("flow logs: cannot list the NSGs", "err", err)
		}
	})
	return nil
}

// Cycle reads every NSG once and returns when all are done. Only a
// failure to list the NSGs is returned; an NSG's failure is logged and
// counted, and the others go on.
func (p *Poller) Cycle(ctx context.Context) error {
	nsgs, err := p.opts.Targets(ctx)
	if err != nil {
		return err
	}
	sem := make(chan struct{}, p.opts.Concurrency)
	var wg sync.WaitGroup
	for _, n := range nsgs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			var st stats
			err := p.pull(ctx, n, &st)
			if err != nil {
				st.errors++
				p.opts.Logger.Warn("flow logs: pull failed", "tenant", n.Tenant, "nsg", n.Name, "storage", n.Storage, "err", err)
			}
			p.opts.Metrics.add(n, st)
		}()
	}
	wg.Wait()
	return nil
}

// pull reads one NSG's new flow log records and writes its final minutes.
func (p *Poller) pull(ctx context.Context, n NSG, st *stats) error {
	now := p.opts.Now()
	key := fmt.Sprintf("%s/%d/%s", n.Tenant, n.Account, n.Storage)
	if p.backingOff(key, now) {
		return nil
	}
	acc, err := p.opts.Accounts.Account(ctx, n.Tenant, n.Account)
	if errors.Is(err, cloudaccount.ErrNotFound) {
		return nil // deleted since discovery ran: its NSGs go with it
	}
	if err != nil {
		return fmt.Errorf("flowlog: account: %w", err)
	}
	c, err := p.client(acc, n.Storage)
	if err != nil {
		return err
	}
	s, err := p.opts.Marks.load(ctx, n.Tenant, n.ID)
	if err != nil {
		return err
	}
	const minute = int64(time.Minute / time.Millisecond)
	edge := now.Add(-p.opts.Delay).Truncate(time.Minute).UnixMilli() // minutes before it are final
	first := s.Through == 0
	if first {
		s.Through = edge - p.opts.Backfill.Milliseconds() - minute
	}
	if floor := edge - p.opts.MaxLookback.Milliseconds() - minute; s.Through < floor {
		s.Through = floor
	}
	for m := range s.Pending {
		if m <= s.Through {
			delete(s.Pending, m) // beyond the lookback: skipped
		}
	}
	moved, err := p.read(ctx, c, n, s, first, now, st)
	var th *throttledError
	if errors.As(err, &th) {
		p.throttle(key, now, th.after)
	}
	if err != nil {
		return err // nothing moves: the same bytes are read again
	}
	samples := s.emit(edge)
	if len(samples) > 0 {
		if err := p.opts.Sink(ctx, n.Tenant, n.Name, samples); err != nil {
			return fmt.Errorf("flowlog: samples not stored: %w", err)
		}
	}
	st.samples += len(samples)
	return p.opts.Marks.save(ctx, n.Tenant, n.ID, s, moved, now)
}

// read lists the blobs of the hours that may still hold counts for the
// minutes not yet written, reads what was appended to each since the
// last complete record and counts its flows into s. It returns the new
// offsets.
func (p *Poller) read(ctx context.Context, c *blobClient, n NSG, s *state, first bool, now time.Time, st *stats) (map[string]int64, error) {
	const minute = int64(time.Minute / time.Millisecond)
	keys := map[string]bool{}
	for k := range s.Flows {
		keys[k] = true
	}
	for _, b := range s.Pending {
		for k := range b.Flows {
			keys[k] = true
		}
	}
	if s.Pending == nil {
		s.Pending = map[int64]*bucket{}
	}
	future := now.Truncate(time.Minute).Add(time.Hour).UnixMilli()
	moved := map[string]int64{}
	from := time.UnixMilli(s.Through).UTC().Add(-p.opts.Delay).Truncate(time.Hour)
	for h := from; !h.After(now); h = h.Add(time.Hour) {
		blobs, err := c.list(ctx, n.container(), n.prefix()+hourPath(h), st)
		if err != nil {
			return nil, err
		}
		for _, b := range blobs {
			off := s.Blobs[b.Name]
			if b.Size <= off {
				continue
			}
			data, err := c.read(ctx, n.container(), b.Name, off, b.Size, st)
			if notFound(err) {
				continue // deleted since the listing (a retention policy)
			}
			if err != nil {
				return nil, err
			}
			chunk, perr := Parse(data, off == 0)
			if perr != nil {
				// The complete records before it count; the blob is read
				// from there again, and fails there, until its hour ends.
				st.errors++
				p.opts.Logger.Warn("flow logs: a blob does not parse", "tenant", n.Tenant, "nsg", n.Name, "blob", b.Name, "offset", off, "err", perr)
			}
			st.bad += chunk.BadTuples + chunk.BadRecords
			if chunk.Used > 0 {
				moved[b.Name] = off + int64(chunk.Used)
				s.Blobs[b.Name] = off + int64(chunk.Used)
			}
			for _, f := range chunk.Flows {
				m := f.TimeMs - ((f.TimeMs%minute)+minute)%minute
				switch {
				case m <= s.Through && first:
					continue // before the first pull's window
				case m <= s.Through:
					m = s.Through + minute // arrived after its minute was written
					st.late++
				case m > future:
					m = future // a clock far ahead: counted, not left pending for ever
				}
				bk := s.Pending[m]
				if bk == nil {
					bk = &bucket{}
					s.Pending[m] = bk
				}
				bk.add(f, keys)
			}
		}
	}
	return moved, nil
}

// hourPath is the folder of hour h under an NSG's prefix.
func hourPath(h time.Time) string {
	h = h.UTC()
	return fmt.Sprintf("y=%04d/m=%02d/d=%02d/h=%02d/", h.Year(), h.Month(), h.Day(), h.Hour())
}

// emit writes the minutes from the one after s.Through up to edge
// (excluded) into the totals, and returns their samples: every counter at
// every minute, so a quiet rule's rate falls to 0, and the minute's
// denied flows.
func (s *state) emit(edge int64) []sample.Sample {
	const minute = int64(time.Minute / time.Millisecond)
	var out []sample.Sample
	for m := s.Through + minute; m < edge; m += minute {
		if b := s.Pending[m]; b != nil {
			delete(s.Pending, m)
			for k, v := range b.Flows {
				if s.Flows == nil {
					s.Flows = map[string]int64{}
				}
				s.Flows[k] += v
			}
			for k, v := range b.Bytes {
				if s.Bytes == nil {
					s.Bytes = map[string]int64{}
				}
				s.Bytes[k] += v
			}
			out = append(out, sample.Sample{Name: SeriesDenied, Value: float64(b.Denied), TimeMs: m})
		} else {
			out = append(out, sample.Sample{Name: SeriesDenied, Value: 0, TimeMs: m})
		}
		for _, k := range sortedKeys(s.Flows) {
			out = append(out, sample.Sample{Name: SeriesFlows, Labels: keyLabels(k), Value: float64(s.Flows[k]), TimeMs: m})
		}
		for _, d := range sortedKeys(s.Bytes) {
			out = append(out, sample.Sample{Name: SeriesBytes, Labels: []sample.Label{{Name: labelDirection, Value: d}}, Value: float64(s.Bytes[d]), TimeMs: m})
		}
		s.Through = m
	}
	return out
}

// client returns the blob client of storage account sa with acc's
// credential, built again when the account changed (a rotated secret).
func (p *Poller) client(acc *cloudaccount.Account, sa string) (*blobClient, error) {
	if acc.Provider != cloudaccount.ProviderAzure || acc.Azure == nil {
		return nil, fmt.Errorf("flowlog: account %d is not an Azure account", acc.ID)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.conns[acc.ID]
	if c == nil || !c.updated.Equal(acc.UpdatedAt) || c.az != *acc.Azure {
		c = &conn{updated: acc.UpdatedAt, az: *acc.Azure, blobs: map[string]*blobClient{}}
		p.conns[acc.ID] = c
	}
	if b := c.blobs[sa]; b != nil {
		return b, nil
	}
	az, err := connect.ForAzure(acc.Azure, p.opts.Client)
	if err != nil {
		return nil, err
	}
	aud := strings.TrimRight(p.opts.Audience, "/")
	pl := runtime.NewPipeline("unyo-flowlog", "v1", runtime.PipelineOptions{
		PerRetry: []policy.Policy{runtime.NewBearerTokenPolicy(az.Credential, []string{aud + "/.default"}, nil)},
	}, &az.Options.ClientOptions)
	b := &blobClient{pl: pl, base: strings.TrimRight(strings.ReplaceAll(p.opts.Endpoint, "{account}", sa), "/")}
	c.blobs[sa] = b
	return b, nil
}

func (p *Poller) backingOff(key string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	until, ok := p.backoffs[key]
	if ok && !now.Before(until) {
		delete(p.backoffs, key)
		return false
	}
	return ok
}

// throttle pauses the storage account for what it asked, or Backoff.
func (p *Poller) throttle(key string, now time.Time, after time.Duration) {
	if after <= 0 {
		after = p.opts.Backoff
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.backoffs[key] = now.Add(after)
}
