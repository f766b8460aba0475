package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"

	probing "github.com/prometheus-community/pro-bing"

	"github.com/unyo-ops/unyo/internal/agent/check"
	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// The series of a ping check, besides unyo_check_up and the duration.
const (
	LossMetric = "unyo_check_ping_loss_ratio"  // 0 to 1: echo requests without a reply
	RTTMetric  = "unyo_check_ping_rtt_seconds" // labelled stat="min", "avg" or "max"; only when a reply came
)

// ErrPingNotPermitted is why no ping could be sent: the process may open
// neither kind of ICMP socket. The item's failure says it, so an operator
// sees what to change on the server rather than a host that seems down.
var ErrPingNotPermitted = errors.New("ping not permitted on this server: allow unprivileged ping with " +
	"sysctl net.ipv4.ping_group_range=\"0 2147483647\", or run unyo as root or with CAP_NET_RAW")

// Socket kinds of ping.
const (
	modeUnknown int32 = iota
	modeUDP           // unprivileged ICMP (a datagram socket) where net.ipv4.ping_group_range allows
	modeRaw           // a raw ICMP socket: root or CAP_NET_RAW
)

// pingMode is the socket kind that worked last, shared by every ping of a
// poller so that only the first run finds it out.
type pingMode struct{ v atomic.Int32 }

// ping is the check of a ping target: count echo requests spacing apart,
// reporting the loss and the round trips. Up means at least one reply.
type ping struct {
	addr    string
	count   int
	spacing time.Duration
	wait    time.Duration // the whole run, last reply included
	permit  func(netip.Addr) error
	mode    *pingMode
	labels  []sample.Label
}

// Collect pings once; the error says why it is down, if it is.
func (p *ping) Collect(ctx context.Context, now time.Time) ([]sample.Sample, error) {
	start := time.Now()
	ms := now.UnixMilli()
	var out []sample.Sample
	add := func(name string, labels []sample.Label, v float64) {
		out = append(out, sample.Sample{Name: name, Labels: labels, Value: v, TimeMs: ms})
	}
	stats, err := p.run(ctx)
	if stats != nil && stats.PacketsSent > 0 {
		add(LossMetric, p.labels, float64(stats.PacketsSent-stats.PacketsRecv)/float64(stats.PacketsSent))
		if stats.PacketsRecv > 0 {
			for _, s := range []struct {
				stat string
				d    time.Duration
			}{{"min", stats.MinRtt}, {"avg", stats.AvgRtt}, {"max", stats.MaxRtt}} {
				add(RTTMetric, append(p.labels[:len(p.labels):len(p.labels)], sample.Label{Name: "stat", Value: s.stat}), s.d.Seconds())
			}
		} else if err == nil {
			// A constant reason: the counts are in the loss series.
			err = errors.New("no reply (100% packet loss)")
		}
	}
	add(check.UpMetric, p.labels, b2f(err == nil))
	add(check.DurationMetric, p.labels, time.Since(start).Seconds())
	if err != nil {
		out = append(out, check.Failure(p.labels, err, ms))
	}
	return out, err
}

// run resolves the address, holds it to the policy and pings it.
func (p *ping) run(ctx context.Context) (*probing.Statistics, error) {
	ip, err := p.resolve(ctx)
	if err != nil {
		return nil, err
	}
	if p.permit != nil {
		if err := p.permit(ip); err != nil {
			return nil, err
		}
	}
	switch p.mode.v.Load() {
	case modeUDP:
		return p.send(ctx, ip, false)
	case modeRaw:
		return p.send(ctx, ip, true)
	}
	// Unprivileged first: it needs no capability where the sysctl allows it.
	stats, err := p.send(ctx, ip, false)
	if !notPermitted(err) {
		p.mode.v.CompareAndSwap(modeUnknown, modeUDP)
		return stats, err
	}
	stats, err = p.send(ctx, ip, true)
	if notPermitted(err) {
		return nil, ErrPingNotPermitted
	}
	p.mode.v.CompareAndSwap(modeUnknown, modeRaw)
	return stats, err
}

// resolve finds the address to ping, IPv4 first as ping does.
func (p *ping) resolve(ctx context.Context) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(p.addr); err == nil {
		return ip.Unmap(), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", p.addr)
	if err != nil {
		return netip.Addr{}, err
	}
	for _, ip := range ips {
		if ip.Unmap().Is4() {
			return ip.Unmap(), nil
		}
	}
	if len(ips) == 0 {
		return netip.Addr{}, fmt.Errorf("no addresses for %s", p.addr)
	}
	return ips[0], nil
}

func (p *ping) send(ctx context.Context, ip netip.Addr, raw bool) (*probing.Statistics, error) {
	pinger := probing.New("")
	pinger.SetLogger(probing.NoopLogger{})
	pinger.SetIPAddr(&net.IPAddr{IP: ip.AsSlice(), Zone: ip.Zone()})
	pinger.SetPrivileged(raw)
	pinger.Count, pinger.Interval, pinger.Timeout = p.count, p.spacing, p.wait
	pinger.RecordRtts, pinger.RecordTTLs = false, false
	if err := pinger.RunWithContext(ctx); err != nil {
		return nil, err
	}
	return pinger.Statistics(), nil
}

// notPermitted reports whether err is the refusal of an ICMP socket.
func notPermitted(err error) bool {
	return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EPROTONOSUPPORT)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
