package trap

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
	"sync/atomic"
	"time"

	"github.com/unyo-ops/unyo/internal/snmp"
)

// Outcomes are every outcome a Listener counts, in a stable order.
var Outcomes = []string{Accepted, UnknownSender, BadCredentials, Ambiguous, Malformed, NotStored}

// Options configure a Listener.
type Options struct {
	Listen string // UDP host:port, e.g. 127.0.0.1:9162 (162 needs privileges)
	// Devices lists the snmp items traps are accepted for; called at
	// start, on Reload and every Refresh.
	Devices func(ctx context.Context) ([]snmp.Target, error)
	// Deliver takes an accepted trap with the packet it came in. An error
	// counts the trap NotStored and leaves an inform unanswered, so that
	// its sender repeats it.
	Deliver func(ctx context.Context, t *Trap, packet []byte) error
	Refresh time.Duration // 1m when 0
	// Resolve gives the addresses of a device's host name; the system
	// resolver when nil.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	Logger  *slog.Logger
}

// Listener receives traps on a UDP socket until its context ends.
type Listener struct {
	opts   Options
	conn   net.PacketConn
	reload chan struct{}
	counts map[string]*atomic.Uint64 // by outcome; the keys never change

	mu     sync.RWMutex
	bySrc  map[netip.Addr][]*Device
	loaded bool
}

// Listen binds the UDP address, so that a mistake stops the program at
// start, and returns a Listener; call Run.
func Listen(opts Options) (*Listener, error) {
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
	l := &Listener{opts: opts, conn: conn, reload: make(chan struct{}, 1), bySrc: map[netip.Addr][]*Device{},
		counts: map[string]*atomic.Uint64{}}
	for _, o := range Outcomes {
		l.counts[o] = new(atomic.Uint64)
	}
	return l, nil
}

// Close releases the socket; Run does it when its context ends.
func (l *Listener) Close() error { return l.conn.Close() }

// Addr is the bound address.
func (l *Listener) Addr() net.Addr { return l.conn.LocalAddr() }

// Count is how many traps had outcome so far.
func (l *Listener) Count(outcome string) uint64 {
	if c := l.counts[outcome]; c != nil {
		return c.Load()
	}
	return 0
}

// Reload asks for the devices to be listed again now. It does not block.
func (l *Listener) Reload() {
	select {
	case l.reload <- struct{}{}:
	default:
	}
}

// Run receives traps until ctx ends, then closes the socket.
func (l *Listener) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() {
		l.load(ctx)
		t := time.NewTicker(l.opts.Refresh)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			case <-l.reload:
			}
			l.load(ctx)
		}
	})
	stop := context.AfterFunc(ctx, func() { l.conn.Close() })
	defer stop()
	defer wg.Wait()
	buf := make([]byte, 65535)
	for {
		n, from, err := l.conn.ReadFrom(buf)
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
		if ack := l.handle(ctx, buf[:n], addr.Unmap()); ack != nil {
			l.conn.WriteTo(ack, from) // lost: the sender repeats the inform, which changes nothing
		}
	}
}

// Handle decodes one packet from a sender and delivers an accepted trap;
// it returns the outcome it counted.
func (l *Listener) Handle(ctx context.Context, data []byte, from netip.Addr) string {
	_, outcome := l.process(ctx, data, from)
	return outcome
}

// handle is Handle in the read loop: it returns the response an accepted
// inform is owed.
func (l *Listener) handle(ctx context.Context, data []byte, from netip.Addr) []byte {
	t, outcome := l.process(ctx, data, from)
	if t == nil || outcome != Accepted {
		return nil
	}
	return t.ack
}

func (l *Listener) process(ctx context.Context, data []byte, from netip.Addr) (*Trap, string) {
	l.mu.RLock()
	devices := l.bySrc[from]
	l.mu.RUnlock()
	t, outcome := Decode(data, from, devices)
	if t != nil {
		if err := l.opts.Deliver(ctx, t, data); err != nil {
			l.opts.Logger.Warn("snmp trap not stored", "tenant", t.Tenant, "host", t.Host, "trap", t.OID, "err", err)
			outcome = NotStored
		}
	} else {
		l.opts.Logger.Debug("snmp trap dropped", "sender", from, "reason", outcome)
	}
	l.counts[outcome].Add(1)
	return t, outcome
}

// load lists the devices and indexes them by sender address. A failure
// keeps the last list.
func (l *Listener) load(ctx context.Context) {
	targets, err := l.opts.Devices(ctx)
	if err != nil {
		l.opts.Logger.Warn("snmp trap receiver: cannot list the devices", "err", err)
		return
	}
	by := map[netip.Addr][]*Device{}
	for _, t := range targets {
		d := &Device{Target: t}
		for _, h := range append([]string{t.Address}, t.TrapSources...) {
			for _, a := range l.addrs(ctx, h) {
				if !slices.Contains(d.Addrs, a) {
					d.Addrs = append(d.Addrs, a)
					by[a] = append(by[a], d)
				}
			}
		}
		if len(d.Addrs) == 0 {
			l.opts.Logger.Warn("snmp trap receiver: no address for a device", "tenant", t.Tenant, "host", t.Host, "address", t.Address)
		}
	}
	l.mu.Lock()
	l.bySrc, l.loaded = by, true
	l.mu.Unlock()
}

// addrs resolves a host or host:port to its addresses.
func (l *Listener) addrs(ctx context.Context, hostport string) []netip.Addr {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	host = strings.Trim(host, "[]")
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}
	}
	found, err := l.opts.Resolve(ctx, host)
	if err != nil {
		l.opts.Logger.Warn("snmp trap receiver: cannot resolve a device", "host", host, "err", err)
		return nil
	}
	out := make([]netip.Addr, 0, len(found))
	for _, a := range found {
		out = append(out, a.Unmap())
	}
	return out
}

// Loaded reports whether the devices were listed at least once.
func (l *Listener) Loaded() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.loaded
}
