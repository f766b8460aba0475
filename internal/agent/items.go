package agent

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/check"
	"github.com/unyo-ops/unyo/internal/agent/collect"
	"github.com/unyo-ops/unyo/internal/agent/scrape"
	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// itemRunner runs one item's collector at its interval.
type itemRunner struct {
	item   agentconfig.Item
	cancel context.CancelFunc
}

// newCollector builds the collector of an item; log, eventlog and backup items are run by a
// Source instead and get none. confine, when set, also judges where an HTTP
// check or a scrape is redirected.
func newCollector(it agentconfig.Item, confine func(agentconfig.Item) error) (Collector, error) {
	var redirect func(*url.URL) error
	if confine != nil {
		redirect = func(u *url.URL) error {
			to := it
			to.URL = u.String()
			return confine(to)
		}
	}
	switch it.Kind {
	case agentconfig.KindOS:
		return collect.NewOS(), nil
	case agentconfig.KindProcess:
		return collect.NewProcess(it.Name, it.Pattern)
	case agentconfig.KindService:
		return collect.NewService(it.Name, it.Service), nil
	case agentconfig.KindHTTP:
		return check.NewHTTP(it, check.Options{Redirect: redirect})
	case agentconfig.KindTCP:
		return check.NewTCP(it.Name, it.Address, nil), nil
	case agentconfig.KindDNS:
		return check.NewDNS(it.Name, it.Query, it.Server), nil
	case agentconfig.KindExporter:
		s := scrape.New(it.Name, it.URL)
		if redirect != nil {
			s.SetRedirect(redirect)
		}
		return s, nil
	case agentconfig.KindLog, agentconfig.KindEventLog, agentconfig.KindBackup:
		return nil, nil
	}
	return nil, fmt.Errorf("agent: unknown kind %q", it.Kind)
}

// syncItems starts new and changed items and stops removed and changed ones;
// unchanged items keep running undisturbed. Callers hold a.mu.
func (a *Agent) syncItems(ctx context.Context, cfg *agentconfig.Config) {
	want := make(map[string]agentconfig.Item, len(cfg.Items))
	for _, it := range cfg.Items {
		want[it.Name] = it
	}
	for name, r := range a.items {
		if it, ok := want[name]; !ok || !reflect.DeepEqual(it, r.item) {
			r.cancel()
			delete(a.items, name)
		}
	}
	for _, it := range cfg.Items {
		if _, ok := a.items[it.Name]; ok {
			continue
		}
		c, err := newCollector(it, a.confine)
		if err != nil {
			a.logger.Error("agent: cannot start item", "item", it.Name, "kind", it.Kind, "err", err)
			continue
		}
		if c == nil {
			continue
		}
		ictx, cancel := context.WithCancel(ctx)
		a.items[it.Name] = &itemRunner{item: it, cancel: cancel}
		a.itemsWG.Go(func() { a.runItem(ictx, it, c) })
	}
}

// runItem collects now and then at every interval, on the ticks shared by
// all items of that interval (untilTick), until ctx is done.
func (a *Agent) runItem(ctx context.Context, it agentconfig.Item, c Collector) {
	every := it.Interval.D()
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	failing := false
	for {
		failing = a.collectOnce(ctx, it, c, failing)
		t.Reset(untilTick(every, time.Now()))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// collectOnce runs the collector within the item's timeout and emits the
// result. Failures are logged when they start and end, not at every run.
func (a *Agent) collectOnce(ctx context.Context, it agentconfig.Item, c Collector, failing bool) bool {
	cctx, cancel := context.WithTimeout(ctx, it.Timeout.D())
	samples, err := c.Collect(cctx, time.Now())
	cancel()
	if ctx.Err() != nil {
		return failing // stopped or replaced meanwhile: its result is stale
	}
	a.batch.EmitSamples(samples)
	switch {
	case err != nil && !failing:
		a.logger.Warn("agent: item failing", "item", it.Name, "kind", it.Kind, "err", err)
	case err == nil && failing:
		a.logger.Info("agent: item recovered", "item", it.Name, "kind", it.Kind)
	}
	return err != nil
}
