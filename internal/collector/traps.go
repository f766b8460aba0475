package collector

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sender"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmp/trap"
)

// TrapsPath is where a collector forwards the SNMP traps it received.
const TrapsPath = sender.TrapsPath

// ForwardedTraps is the body a collector posts to TrapsPath: traps the
// collector accepted from the devices behind it, each with the packet as
// it came, so that the server decodes and checks it again (the same
// decoding as its own listener's) against its own list of the devices.
type ForwardedTraps struct {
	Collector string          `json:"collector"`
	Traps     []ForwardedTrap `json:"traps"`
}

// ForwardedTrap is one trap received by a collector.
type ForwardedTrap struct {
	Host       string `json:"host"`           // the device's resource the collector matched the sender to
	Sender     string `json:"sender"`         // the address the trap came from, in the collector's network
	ReceivedAt int64  `json:"received_at_ms"` // when the collector received it, unix millis
	Packet     []byte `json:"packet"`         // the UDP payload, base64
}

// encodeTraps is the buffer record of traps.
func encodeTraps(f ForwardedTraps) ([]byte, error) {
	body, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	return append([]byte{sender.KindTraps}, body...), nil
}

// listenTraps binds the collector's trap listener on addr: the devices are
// the SNMP targets it polls, with their credentials, so that it keeps (and
// answers informs for) only traps the server will accept.
func (c *Collector) listenTraps(addr string) error {
	l, err := trap.Listen(trap.Options{Listen: addr, Devices: c.trapDevices, Deliver: c.bufferTrap,
		Logger: c.logger.With("collector", c.name, "part", "traps")})
	if err != nil {
		return fmt.Errorf("collector: cannot receive traps on %s: %w", addr, err)
	}
	c.traps = l
	return nil
}

// TrapAddr is the trap listener's address, nil when there is none.
func (c *Collector) TrapAddr() net.Addr {
	if c.traps == nil {
		return nil
	}
	return c.traps.Addr()
}

// trapDevices are the SNMP devices behind the collector, from the targets
// last pulled. The tenant is left empty: the server takes it from the
// collector's token.
func (c *Collector) trapDevices(context.Context) ([]snmp.Target, error) {
	list := c.targets.Load().SNMP
	out := make([]snmp.Target, len(list))
	for i, t := range list {
		out[i] = t.PollTarget("")
	}
	return out, nil
}

// bufferTrap stores an accepted trap in the buffer, fsynced, before an
// inform is answered: through a server outage it waits there with the
// samples, and is forwarded in order once the server is back.
func (c *Collector) bufferTrap(_ context.Context, t *trap.Trap, packet []byte) error {
	rec, err := encodeTraps(ForwardedTraps{Collector: c.name, Traps: []ForwardedTrap{{
		Host: t.Host, Sender: t.Sender.String(), ReceivedAt: time.Now().UnixMilli(), Packet: packet}}})
	if err == nil {
		err = c.buf.Append(rec)
	}
	if err != nil {
		return fmt.Errorf("collector: cannot buffer a trap: %w", err)
	}
	return nil
}
