package snmptrap

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/snmp"
)

// Options configure a Receiver.
type Options struct {
	Listen string // UDP host:port, e.g. 127.0.0.1:9162 (162 needs privileges)
	// Devices lists the snmp items traps are accepted for (the server's
	// own: monitoring.Store.SNMPTargets); called at start, on Reload and
	// every Refresh.
	Devices func(ctx context.Context) ([]snmp.Target, error)
	// Intake takes the alerts of one tenant: alert.Engine.Intake.
	Intake  func(ctx context.Context, tenant string, signals []alert.Signal) (alert.IntakeResult, error)
	Refresh time.Duration // 1m when 0
	// Resolve gives the addresses of a device's host name; the system
	// resolver when nil.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	Logger  *slog.Logger
}

// Receiver listens for traps until its context ends.
type Receiver struct {
	opts   Options
	conn   net.PacketConn
	reload chan struct{}
	traps  *prometheus.CounterVec

	mu     sync.RWMutex
	bySrc  map[netip.Addr][]*Device
	loaded bool
}

// Listen binds the UDP address, so that a mistake stops the server at
// start, and returns a Receiver; call Run.
func Listen(opts Options) (*Receiver, error) {
	if opts.Refresh <= 0 {
		opts.Refresh = time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Resolve == nil {
		opts.Resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	conn, err := net.ListenPacket("udp", opts.Listen)
	if err != nil {
		return nil, fmt.Errorf("snmp trap receiver: %w", err)
	}
	r := &Receiver{opts: opts, conn: conn, reload: make(chan struct{}, 1), bySrc: map[netip.Addr][]*Device{},
		traps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "unyo_snmp_traps_total",
			Help: "SNMP traps received, by outcome: accepted, or why they were dropped (unknown_sender, bad_credentials, ambiguous, malformed, not_stored).",
		}, []string{"outcome"})}
	for _, o := range []string{Accepted, UnknownSender, BadCredentials, Ambiguous, Malformed, NotStored} {
		r.traps.WithLabelValues(o)
	}
	return r, nil
}

// Close releases the socket; Run does it when its context ends.
func (r *Receiver) Close() error { return r.conn.Close() }

// Addr is the bound address.
func (r *Receiver) Addr() net.Addr { return r.conn.LocalAddr() }

// Collector is the trap counter, for the server's /metrics.
func (r *Receiver) Collector() prometheus.Collector { return r.traps }

// Reload asks for the devices to be listed again now. It does not block.
func (r *Receiver) Reload() {
	select {
	case r.reload <- struct{}{}:
	default:
	}
}

// Run receives traps until ctx ends, then closes the socket.
func (r *Receiver) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.load(ctx)
		t := time.NewTicker(r.opts.Refresh)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-r.reload:
			}
			r.load(ctx)
		}
	}()
	stop := context.AfterFunc(ctx, func() { r.conn.Close() })
	defer stop()
	defer wg.Wait()
	buf := make([]byte, 65535)
	for {
		n, from, err := r.conn.ReadFrom(buf)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			continue // a transient error (ICMP unreachable echoed on some systems)
		}
		ua, ok := from.(*net.UDPAddr)
		if !ok {
			continue
		}
		addr, _ := netip.AddrFromSlice(ua.IP)
		if ack := r.handle(ctx, buf[:n], addr.Unmap()); ack != nil {
			r.conn.WriteTo(ack, from) // lost: the sender repeats the inform, which changes nothing
		}
	}
}

// Handle decodes one packet from a sender and hands an accepted trap to
// the alert pipeline; it returns the outcome it counted.
func (r *Receiver) Handle(ctx context.Context, data []byte, from netip.Addr) string {
	_, outcome := r.process(ctx, data, from)
	return outcome
}

// handle is Handle in the read loop: it returns the response an accepted
// inform is owed.
func (r *Receiver) handle(ctx context.Context, data []byte, from netip.Addr) []byte {
	t, outcome := r.process(ctx, data, from)
	if t == nil || outcome != Accepted {
		return nil
	}
	return t.ack
}

func (r *Receiver) process(ctx context.Context, data []byte, from netip.Addr) (*Trap, string) {
	r.mu.RLock()
	devices := r.bySrc[from]
	r.mu.RUnlock()
	t, outcome := decode(data, from, devices)
	if t != nil {
		if _, err := r.opts.Intake(ctx, t.Tenant, []alert.Signal{t.Signal()}); err != nil {
			r.opts.Logger.Warn("snmp trap not stored", "tenant", t.Tenant, "host", t.Host, "trap", t.OID, "err", err)
			outcome = NotStored
		}
	} else {
		r.opts.Logger.Debug("snmp trap dropped", "sender", from, "reason", outcome)
	}
	r.traps.WithLabelValues(outcome).Inc()
	return t, outcome
}

// load lists the devices and indexes them by sender address. A failure
// keeps the last list.
func (r *Receiver) load(ctx context.Context) {
	targets, err := r.opts.Devices(ctx)
	if err != nil {
		r.opts.Logger.Warn("snmp trap receiver: cannot list the devices", "err", err)
		return
	}
	by := map[netip.Addr][]*Device{}
	for _, t := range targets {
		d := &Device{Target: t}
		for _, h := range append([]string{t.Address}, t.TrapSources...) {
			for _, a := range r.addrs(ctx, h) {
				if !slices.Contains(d.Addrs, a) {
					d.Addrs = append(d.Addrs, a)
					by[a] = append(by[a], d)
				}
			}
		}
		if len(d.Addrs) == 0 {
			r.opts.Logger.Warn("snmp trap receiver: no address for a device", "target", t)
		}
	}
	r.mu.Lock()
	r.bySrc, r.loaded = by, true
	r.mu.Unlock()
}

// addrs resolves a host or host:port to its addresses.
func (r *Receiver) addrs(ctx context.Context, hostport string) []netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.Trim(host, "[]")
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}
	}
	found, err := r.opts.Resolve(ctx, host)
	if err != nil {
		r.opts.Logger.Warn("snmp trap receiver: cannot resolve a device", "host", host, "err", err)
		return nil
	}
	out := make([]netip.Addr, 0, len(found))
	for _, a := range found {
		out = append(out, a.Unmap())
	}
	return out
}

// Loaded reports whether the devices were listed at least once.
func (r *Receiver) Loaded() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.loaded
}
