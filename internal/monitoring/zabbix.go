package monitoring

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/zabbix/poll"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/zabbix"
	"github.com/unyo-ops/unyo/internal/zabbix/psk"
)

// ZabbixPort is the Zabbix agent's port for passive checks.
const ZabbixPort = "10050"

// The tls_connect values of a zabbix item.
const (
	ZabbixUnencrypted = "unencrypted"
	ZabbixPSK         = "psk"
	ZabbixCert        = "cert"
)

// normalize stores tls_connect cert as tls: true, and unencrypted as empty.
func (z *Zabbix) normalize() {
	switch {
	case z.TLSConnect == ZabbixCert:
		z.TLS, z.TLSConnect = true, ""
	case z.TLSConnect == ZabbixUnencrypted && !z.TLS:
		z.TLSConnect = ""
	}
}

// validatePSK checks the TLS settings. The key is required only when the
// item is sealed (sealZabbix): an update may leave the stored one.
func (z *Zabbix) validatePSK() error {
	switch z.TLSConnect {
	case "":
	case ZabbixPSK:
		if z.TLS {
			return invalid.New("tls", "is TLS with certificates: with tls_connect psk, leave it out")
		}
		if err := psk.CheckIdentity(z.PSKIdentity); err != nil {
			return invalid.New("tls_psk_identity", "%v", err)
		}
		if z.PSK != "" {
			if _, err := psk.ParseKey(z.PSK); err != nil {
				return invalid.New("tls_psk", "%v", err)
			}
		}
		return nil
	case ZabbixUnencrypted:
		return invalid.New("tls_connect", "is unencrypted and tls is true: choose one")
	default:
		return invalid.New("tls_connect", "must be unencrypted, psk or cert, not %q", z.TLSConnect)
	}
	if z.PSKIdentity != "" {
		return invalid.New("tls_psk_identity", "applies to tls_connect psk only (the agent's TLSAccept=psk): add \"tls_connect\": \"psk\"")
	}
	if z.PSK != "" {
		return invalid.New("tls_psk", "applies to tls_connect psk only (the agent's TLSAccept=psk): add \"tls_connect\": \"psk\"")
	}
	return nil
}

func (z *Zabbix) validate() error {
	if err := z.validatePSK(); err != nil {
		return err
	}
	if z.Address == "" {
		return invalid.New("address", "is required: the Zabbix agent's host or host:port, e.g. ${host} or ${label.zabbix_address}")
	}
	if strings.ContainsAny(z.Address, "/ ") {
		return invalid.New("address", "must be host or host:port, not %q", z.Address)
	}
	k, err := zabbix.ParseKey(z.Key)
	if err != nil {
		return invalid.New("key", "%v", err)
	}
	if zabbix.RunsCommands(k) {
		return invalid.New("key", "system.run makes the agent run a command: unyo does not ask agents to run commands")
	}
	if zabbix.ActiveOnly(k) {
		return invalid.New("key", "%s is collected only by an active check of the Zabbix agent; unyo polls (passive checks): watch the file with a log item of the unyo agent", k.Name)
	}
	if strings.Contains(z.Key, "{$") || strings.Contains(z.Key, "{#") {
		return invalid.New("key", "%q still holds a Zabbix macro: write its value", z.Key)
	}
	return nil
}

// ZabbixAddress is where the poller connects: the address with the Zabbix
// agent's port when it names none.
func ZabbixAddress(address string) string {
	if _, _, err := net.SplitHostPort(address); err == nil {
		return address
	}
	return net.JoinHostPort(strings.Trim(address, "[]"), ZabbixPort)
}

// ZabbixInterval is how often a zabbix item without an interval is polled:
// the Zabbix server's default update interval.
const ZabbixInterval = time.Minute

// ZabbixTargets lists the zabbix items the server polls itself: those of
// every tenant's resources that are behind no collector.
func (s *Store) ZabbixTargets(ctx context.Context) ([]poll.Target, error) {
	return s.ZabbixTargetsIn(ctx, Server)
}

// ZabbixTargetsIn lists the enabled zabbix items of the resources of the
// scope, resolved (overrides applied, placeholders filled) and with their
// PSK opened, as a poller runs them; items with a problem are left out, as
// from an agent's configuration, and so is an item whose key does not open
// (the secret key was changed): when that leaves nothing, the error says why.
func (s *Store) ZabbixTargetsIn(ctx context.Context, sc Scope) ([]poll.Target, error) {
	var out []poll.Target
	var bad error
	err := s.EachItem(ctx, sc, []Kind{KindZabbix}, func(res *model.Resource, it ResolvedItem) error {
		every := it.Interval.Std()
		if every == 0 {
			every = ZabbixInterval
		}
		t := poll.Target{Tenant: res.TenantID, Host: res.Name, Item: it.Name,
			Address: ZabbixAddress(it.Zabbix.Address), Key: it.Zabbix.Key, TLS: it.Zabbix.TLS, Interval: every}
		if it.Zabbix.TLSConnect == ZabbixPSK {
			key, err := s.openZabbixPSK(it.TenantID, it.Zabbix)
			if err != nil {
				bad = fmt.Errorf("item %s of %s/%s: %w", it.Name, res.TenantID, res.Name, err)
				return nil
			}
			t.PSK = &psk.Key{Identity: it.Zabbix.PSKIdentity, Secret: key}
		}
		out = append(out, t)
		return nil
	})
	if err == nil && bad != nil && len(out) == 0 {
		err = bad
	}
	return out, err
}
