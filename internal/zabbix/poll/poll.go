// Package poll runs Zabbix passive checks on a schedule: each target is one
// item key of one host, asked of its Zabbix agent at the item's interval,
// and each answer becomes samples of the series the key maps to (see
// zabbix.SeriesOf). It knows nothing of where the targets come from or
// where the samples go: unyo server drives it from the monitoring design
// and hands the samples to the remote-write path; a collector can drive
// it the same way from the items it pulls.
package poll

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
	"github.com/unyo-ops/unyo/internal/zabbix"
	"github.com/unyo-ops/unyo/internal/zabbix/agentproto"
	"github.com/unyo-ops/unyo/internal/zabbix/psk"
)

// Target is one item key to poll for one host.
type Target struct {
	Tenant   string
	Host     string // the resource's name: the host label of the series
	Item     string // the unyo item's name: the item label
	Address  string // host:port of the Zabbix agent
	Key      string
	TLS      bool
	PSK      *psk.Key // TLS-PSK with this identity and key; nil: none
	Interval time.Duration
}

// id identifies a target across reloads, so an unchanged one keeps its
// schedule and a changed identity or key starts it again. It holds a hash
// of the key, never the key.
func (t Target) id() string {
	var pskID string
	if t.PSK != nil {
		sum := sha256.Sum256(append([]byte(t.PSK.Identity+"\x00"), t.PSK.Secret...))
		pskID = hex.EncodeToString(sum[:8])
	}
	return strings.Join([]string{t.Tenant, t.Host, t.Item, t.Address, t.Key, strconv.FormatBool(t.TLS), pskID, t.Interval.String()}, "\x00")
}

// The series every poll writes besides the value, so that an agent that
// stops answering, or a key it does not support, is seen and can alert.
const (
	UpMetric        = "zabbix_up"             // 1: the agent answered; 0: no connection, timeout, not Zabbix
	SupportedMetric = "zabbix_item_supported" // 1: a numeric value was stored; 0: ZBX_NOTSUPPORTED, text, or no answer
)

// Outcome is what one poll found, for logs and tests.
type Outcome struct {
	Value    float64
	Stored   bool   // a numeric value was stored
	Answered bool   // the agent answered (a value or ZBX_NOTSUPPORTED)
	Reason   string // why nothing was stored
}

// Poll asks the agent for the target's key once and returns the samples of
// the answer, stamped now: the value (when it is a number), zabbix_up and
// zabbix_item_supported. Labels exclude the host, which the sink adds.
func Poll(ctx context.Context, c *agentproto.Client, t Target, now time.Time) ([]sample.Sample, Outcome) {
	k, err := zabbix.ParseKey(t.Key)
	if err != nil {
		return nil, Outcome{Reason: err.Error()}
	}
	if zabbix.RunsCommands(k) || zabbix.ActiveOnly(k) {
		return nil, Outcome{Reason: k.Name + " is not polled"} // the design refuses these; never sent even if one slips by
	}
	series := zabbix.SeriesOf(k)
	labels := make([]sample.Label, 0, len(series.Labels)+1)
	for _, l := range series.Labels {
		labels = append(labels, sample.Label{Name: l[0], Value: l[1]})
	}
	labels = append(labels, sample.Label{Name: zabbix.ItemLabel, Value: t.Item})
	status := sample.Labels(zabbix.ItemLabel, t.Item, zabbix.KeyLabel, series.Labels[len(series.Labels)-1][1])
	ms := now.UnixMilli()
	var out Outcome
	r, err := c.Get(ctx, t.Address, t.Key)
	switch {
	case err != nil:
		out.Reason = err.Error()
	case !r.Supported:
		out.Answered, out.Reason = true, "not supported: "+r.Error
	default:
		out.Answered = true
		v, perr := strconv.ParseFloat(strings.TrimSpace(r.Value), 64)
		if perr != nil {
			out.Reason = "not a number: " + truncate(r.Value, 64)
		} else {
			out.Value, out.Stored = v, true
		}
	}
	samples := []sample.Sample{
		{Name: UpMetric, Labels: status, Value: b2f(out.Answered), TimeMs: ms},
		{Name: SupportedMetric, Labels: status, Value: b2f(out.Stored), TimeMs: ms},
	}
	if out.Stored {
		samples = append(samples, sample.Sample{Name: series.Name, Labels: labels, Value: out.Value, TimeMs: ms})
	}
	return samples, out
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
