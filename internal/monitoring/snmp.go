package monitoring

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/snmp"
)

// SNMP is a device the server (or a collector) polls over SNMP, for
// switches, routers, UPSes and appliances that run no agent. Every poll
// reads sysUpTime; the item adds OIDs (get), subtrees (walk) and the IF-MIB
// interface table (interfaces), each as documented series (docs/snmp.md).
//
// The community and the v3 passwords are write-only: the store seals them
// (secret.Box) and the API shows only that they are set. An update that
// leaves them out keeps the stored ones.
type SNMP struct {
	Address      string         `json:"address"` // host or host:port (161 when no port); placeholders allowed, e.g. ${label.snmp_address}
	Version      string         `json:"version"` // 2c or 3
	Community    string         `json:"community,omitempty"`
	User         string         `json:"user,omitempty"`          // v3 security name
	AuthProtocol string         `json:"auth_protocol,omitempty"` // v3: MD5, SHA, SHA224, SHA256, SHA384, SHA512
	AuthPassword string         `json:"auth_password,omitempty"`
	PrivProtocol string         `json:"priv_protocol,omitempty"` // v3: DES, AES, AES192, AES256, AES192C, AES256C
	PrivPassword string         `json:"priv_password,omitempty"`
	Interfaces   bool           `json:"interfaces,omitempty"` // IF-MIB ifTable/ifXTable as snmp_if_* series
	Get          []snmp.Value   `json:"get,omitempty"`
	Walk         []snmp.Value   `json:"walk,omitempty"`
	Timeout      model.Duration `json:"timeout,omitempty"` // one request; 2s when 0
	Retries      int            `json:"retries,omitempty"`

	set    snmpSet // which secrets the stored item holds
	sealed []byte  // the secrets, sealed by the store
}

// snmpSet says which secrets are set, as the API shows them.
type snmpSet struct {
	Community    bool `json:"community_set,omitempty"`
	AuthPassword bool `json:"auth_password_set,omitempty"`
	PrivPassword bool `json:"priv_password_set,omitempty"`
}

// snmpSecrets is what is sealed.
type snmpSecrets struct {
	Community    string `json:"c,omitempty"`
	AuthPassword string `json:"a,omitempty"`
	PrivPassword string `json:"p,omitempty"`
}

// SecretSet reports whether the item holds the secret named by its JSON
// field (community, auth_password or priv_password), stored or just
// written: what the API shows as its *_set flag.
func (s *SNMP) SecretSet(field string) bool {
	switch field {
	case "community":
		return s.set.Community || s.Community != ""
	case "auth_password":
		return s.set.AuthPassword || s.AuthPassword != ""
	case "priv_password":
		return s.set.PrivPassword || s.PrivPassword != ""
	}
	return false
}

type snmpFields SNMP // SNMP's fields without its methods

// MarshalJSON shows the item without its secrets, with whether each is set.
func (s SNMP) MarshalJSON() ([]byte, error) {
	v := snmpFields(s)
	v.Community, v.AuthPassword, v.PrivPassword = "", "", ""
	set := snmpSet{Community: s.set.Community || s.Community != "", AuthPassword: s.set.AuthPassword || s.AuthPassword != "",
		PrivPassword: s.set.PrivPassword || s.PrivPassword != ""}
	return json.Marshal(struct {
		snmpFields
		snmpSet
	}{v, set})
}

// UnmarshalJSON reads an item as written, accepting the *_set flags an
// item read from the API carries back (they are ignored).
func (s *SNMP) UnmarshalJSON(data []byte) error {
	var v struct {
		snmpFields
		snmpSet
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*s = SNMP(v.snmpFields)
	return nil
}

// snmpStored is the spec column of an snmp item: no secret in clear.
type snmpStored struct {
	snmpFields
	snmpSet
	Sealed []byte `json:"sealed,omitempty"`
}

func (s *SNMP) stored() snmpStored {
	v := snmpFields(*s)
	v.Community, v.AuthPassword, v.PrivPassword = "", "", ""
	return snmpStored{snmpFields: v, snmpSet: s.set, Sealed: s.sealed}
}

func setSNMPSpec(it *Item, data []byte) error {
	var v snmpStored
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("item %d has a corrupt snmp spec: %w", it.ID, err)
	}
	s := SNMP(v.snmpFields)
	s.set, s.sealed = v.snmpSet, v.Sealed
	it.SNMP = &s
	return nil
}

var seriesNameRE = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

var oidRE = regexp.MustCompile(`^\.?[0-2](\.[0-9]{1,10})+$`)

// reservedSNMP are the series the poller writes itself.
var reservedSNMP = map[string]bool{snmp.UpMetric: true, snmp.ErrorsMetric: true, snmp.DurationMetric: true, snmp.UptimeMetric: true,
	snmp.IfInOctets: true, snmp.IfOutOctets: true, snmp.IfInErrors: true, snmp.IfOutErrors: true, snmp.IfOperStatus: true}

const maxSNMPValues = 100

func (s *SNMP) validate() error {
	if s.Address == "" {
		return invalid.New("address", "is required: the device's host or host:port, e.g. ${label.snmp_address}")
	}
	if strings.ContainsAny(s.Address, "/ ") {
		return invalid.New("address", "must be host or host:port, not %q", s.Address)
	}
	switch s.Version {
	case snmp.V2c:
		for _, f := range []struct {
			name string
			set  bool
		}{{"user", s.User != ""}, {"auth_protocol", s.AuthProtocol != ""}, {"auth_password", s.AuthPassword != ""},
			{"priv_protocol", s.PrivProtocol != ""}, {"priv_password", s.PrivPassword != ""}} {
			if f.set {
				return invalid.New(f.name, "applies to version 3 only")
			}
		}
	case snmp.V3:
		if err := s.validateV3(); err != nil {
			return err
		}
	default:
		return invalid.New("version", "must be 2c or 3, not %q", s.Version)
	}
	if !s.Interfaces && len(s.Get) == 0 && len(s.Walk) == 0 {
		return invalid.New("get", "name OIDs to get, subtrees to walk, or interfaces: true (sysUpTime alone says little)")
	}
	if len(s.Get)+len(s.Walk) > maxSNMPValues {
		return invalid.New("get", "more than %d OIDs and walks in one item: split it", maxSNMPValues)
	}
	seen := map[string]bool{}
	for _, l := range []struct {
		field string
		list  []snmp.Value
	}{{"get", s.Get}, {"walk", s.Walk}} {
		for i, v := range l.list {
			if err := checkSNMPValue(v, seen); err != nil {
				return invalid.Prefix(fmt.Sprintf("%s[%d]", l.field, i), err)
			}
		}
	}
	if s.Timeout < 0 || s.Timeout.Std() > time.Minute {
		return invalid.New("timeout", "must be between 0 and 1m")
	}
	if s.Retries < 0 || s.Retries > 5 {
		return invalid.New("retries", "must be between 0 and 5")
	}
	return nil
}

func (s *SNMP) validateV3() error {
	if s.Community != "" {
		return invalid.New("community", "applies to version 2c only: version 3 authenticates a user")
	}
	if s.User == "" || len(s.User) > 32 {
		return invalid.New("user", "is required for version 3 (1 to 32 bytes)")
	}
	if s.AuthProtocol != "" {
		if _, ok := snmp.AuthProtocols[strings.ToUpper(s.AuthProtocol)]; !ok {
			return invalid.New("auth_protocol", "must be MD5, SHA, SHA224, SHA256, SHA384 or SHA512, not %q", s.AuthProtocol)
		}
	}
	if s.PrivProtocol != "" {
		if _, ok := snmp.PrivProtocols[strings.ToUpper(s.PrivProtocol)]; !ok {
			return invalid.New("priv_protocol", "must be DES, AES, AES192, AES256, AES192C or AES256C, not %q", s.PrivProtocol)
		}
		if s.AuthProtocol == "" {
			return invalid.New("auth_protocol", "is required with priv_protocol: SNMPv3 has no privacy without authentication")
		}
	}
	// net-snmp refuses pass phrases shorter than 8 bytes (RFC 3414 11.2).
	for _, p := range []struct{ name, v string }{{"auth_password", s.AuthPassword}, {"priv_password", s.PrivPassword}} {
		if p.v != "" && len(p.v) < 8 {
			return invalid.New(p.name, "must be at least 8 characters")
		}
	}
	if s.AuthPassword != "" && s.AuthProtocol == "" {
		return invalid.New("auth_password", "needs auth_protocol")
	}
	if s.PrivPassword != "" && s.PrivProtocol == "" {
		return invalid.New("priv_password", "needs priv_protocol")
	}
	return nil
}

func checkSNMPValue(v snmp.Value, seen map[string]bool) error {
	if !oidRE.MatchString(v.OID) {
		return invalid.New("oid", "must be a numeric OID such as 1.3.6.1.2.1.1.3.0, not %q", v.OID)
	}
	if !seriesNameRE.MatchString(v.Series) {
		return invalid.New("series", "must be a Prometheus metric name, not %q", v.Series)
	}
	if reservedSNMP[v.Series] {
		return invalid.New("series", "%s is written by the poller itself", v.Series)
	}
	if seen[v.Series] {
		return invalid.New("series", "%s is named twice in the item", v.Series)
	}
	seen[v.Series] = true
	switch v.Type {
	case "", snmp.Gauge:
	case snmp.Counter:
		if !strings.HasSuffix(v.Series, "_total") {
			return invalid.New("series", "a counter's name ends in _total (%s_total)", v.Series)
		}
	default:
		return invalid.New("type", "must be gauge or counter, not %q", v.Type)
	}
	return nil
}

// SealWith gives the store the box that seals the secrets of snmp items.
// Without one, an snmp item with a secret is refused.
func (s *Store) SealWith(box *secret.Box) { s.box = box }

func snmpAD(tenant string) []byte { return []byte("monitoring/snmp/" + tenant) }

// sealSNMP seals the secrets written on it, keeping those of old (the item
// being updated) that it leaves out, and checks that the version has what
// it needs. After it, it holds no secret in clear.
func (s *Store) sealSNMP(it, old *Item) error {
	if it.SNMP == nil {
		return nil
	}
	n := it.SNMP
	var sec snmpSecrets
	if old == nil && len(n.sealed) > 0 {
		old = it // an item read from the store and written again (a copy): its own secrets
	}
	if old != nil && old.SNMP != nil && old.SNMP.Version == n.Version && len(old.SNMP.sealed) > 0 {
		prev, err := s.openSNMP(old.TenantID, old.SNMP)
		if err != nil {
			return err
		}
		sec = prev
	}
	for _, f := range []struct{ in, keep *string }{{&n.Community, &sec.Community}, {&n.AuthPassword, &sec.AuthPassword}, {&n.PrivPassword, &sec.PrivPassword}} {
		if *f.in != "" {
			*f.keep = *f.in
		}
	}
	switch {
	case n.Version == snmp.V2c && sec.Community == "":
		return invalid.New("snmp.community", "is required for version 2c")
	case n.Version == snmp.V3 && n.AuthProtocol != "" && sec.AuthPassword == "":
		return invalid.New("snmp.auth_password", "is required with auth_protocol")
	case n.Version == snmp.V3 && n.PrivProtocol != "" && sec.PrivPassword == "":
		return invalid.New("snmp.priv_password", "is required with priv_protocol")
	}
	if n.Version == snmp.V3 {
		sec.Community = ""
		if n.AuthProtocol == "" {
			sec.AuthPassword = ""
		}
		if n.PrivProtocol == "" {
			sec.PrivPassword = ""
		}
	}
	if s.box == nil {
		return fmt.Errorf("monitoring: no secret key to seal the snmp item's credentials")
	}
	plain, _ := json.Marshal(sec)
	n.sealed = s.box.Seal(plain, snmpAD(it.TenantID))
	n.set = snmpSet{Community: sec.Community != "", AuthPassword: sec.AuthPassword != "", PrivPassword: sec.PrivPassword != ""}
	n.Community, n.AuthPassword, n.PrivPassword = "", "", ""
	return nil
}

// openSNMP opens the sealed secrets of an item of tenant.
func (s *Store) openSNMP(tenant string, n *SNMP) (snmpSecrets, error) {
	var sec snmpSecrets
	if len(n.sealed) == 0 {
		return sec, nil
	}
	if s.box == nil {
		return sec, fmt.Errorf("monitoring: no secret key to open the snmp item's credentials")
	}
	plain, err := s.box.Open(n.sealed, snmpAD(tenant))
	if err != nil {
		return sec, fmt.Errorf("monitoring: snmp credentials: %w", err)
	}
	if err := json.Unmarshal(plain, &sec); err != nil {
		return sec, fmt.Errorf("monitoring: snmp credentials: %w", err)
	}
	return sec, nil
}

// TrapSourcesLabel is the resource label naming, comma-separated, the other
// addresses a device sends its traps from, when they are not its snmp
// item's address (a router's loopback interface, say).
const TrapSourcesLabel = "snmp_trap_sources"

// SNMPAddress is where the poller sends: the address with SNMP's port when
// it names none.
func SNMPAddress(address string) string {
	if _, _, err := net.SplitHostPort(address); err == nil {
		return address
	}
	return net.JoinHostPort(strings.Trim(address, "[]"), snmp.Port)
}

// SNMPTargets lists the snmp items the server polls itself: those of every
// tenant's resources that are behind no collector.
func (s *Store) SNMPTargets(ctx context.Context) ([]snmp.Target, error) {
	return s.SNMPTargetsIn(ctx, Server)
}

// SNMPTargetsIn lists the enabled snmp items of the resources of the scope,
// resolved and with their secrets opened, as a poller runs them. An item
// whose secrets do not open (the key was changed) is left out; when that
// leaves nothing, the error says why.
func (s *Store) SNMPTargetsIn(ctx context.Context, sc Scope) ([]snmp.Target, error) {
	var out []snmp.Target
	var bad error
	err := s.EachItem(ctx, sc, []Kind{KindSNMP}, func(res *model.Resource, it ResolvedItem) error {
		n := it.SNMP
		sec, err := s.openSNMP(it.TenantID, n)
		if err != nil {
			bad = fmt.Errorf("item %s of %s/%s: %w", it.Name, res.TenantID, res.Name, err)
			return nil
		}
		out = append(out, snmp.Target{Tenant: res.TenantID, Host: res.Name, Item: it.Name, Address: SNMPAddress(n.Address),
			Version: n.Version, Community: sec.Community, User: n.User,
			AuthProtocol: n.AuthProtocol, AuthPassword: sec.AuthPassword, PrivProtocol: n.PrivProtocol, PrivPassword: sec.PrivPassword,
			Interfaces: n.Interfaces, Get: n.Get, Walk: n.Walk, Interval: it.Interval.Std(), Timeout: n.Timeout.Std(), Retries: n.Retries,
			TrapSources: trapSources(res.Labels[TrapSourcesLabel])})
		return nil
	})
	if err == nil && bad != nil && len(out) == 0 {
		err = bad
	}
	return out, err
}

// trapSources splits the value of the snmp_trap_sources label.
func trapSources(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
