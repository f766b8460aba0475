// Package confine limits what an agent running inside the server process
// (the watch of the server's own host, tenant "self") may read and reach.
// Its items are written over the API, by operators and tenant tokens; run
// with the server's rights, an item could otherwise tail any file the
// server can open (its key, /etc/shadow when run as root) or make the
// server call internal addresses. The server admin lists, by flag, the log
// files and the network targets allowed; everything else is refused. Agents
// on other hosts run with their own rights and are not confined.
package confine

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/unyo-ops/unyo/internal/agentconfig"
)

// Policy is what the in-process agent may read and reach. The zero Policy
// allows no log file and no network target.
type Policy struct {
	logGlobs []string
	prefixes []netip.Prefix
	hosts    map[string]bool
}

// Refusal says which field of an item the policy refuses, and why.
type Refusal struct {
	Item   string
	Field  string // the agent configuration's field: glob, url, address, server, query
	Reason string
}

func (r *Refusal) Error() string {
	return fmt.Sprintf("item %q: %s: %s", r.Item, r.Field, r.Reason)
}

// Parse reads the flags: logPaths, comma-separated absolute globs of the
// files that may be tailed; targets, comma-separated CIDRs, IP addresses
// and host names that may be checked and scraped.
func Parse(logPaths, targets string) (*Policy, error) {
	p := &Policy{hosts: map[string]bool{}}
	for _, g := range split(logPaths) {
		if !filepath.IsAbs(g) || filepath.Clean(g) != g {
			return nil, fmt.Errorf("confine: log path %q must be an absolute, clean glob", g)
		}
		if _, err := filepath.Match(g, g); err != nil {
			return nil, fmt.Errorf("confine: log path %q: %w", g, err)
		}
		p.logGlobs = append(p.logGlobs, g)
	}
	for _, t := range split(targets) {
		if pr, err := netip.ParsePrefix(t); err == nil {
			p.prefixes = append(p.prefixes, pr.Masked())
			continue
		}
		if a, err := netip.ParseAddr(t); err == nil {
			p.prefixes = append(p.prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		name := hostName(t)
		if name == "" || strings.ContainsAny(name, "/:[] ") {
			return nil, fmt.Errorf("confine: target %q is not a CIDR, an address or a host name", t)
		}
		p.hosts[name] = true
	}
	return p, nil
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func hostName(s string) string { return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".") }

// Check returns a *Refusal when the item would read a file or reach a
// target the policy does not allow. OS, process, service and event-log
// items read nothing an item names, and are always allowed.
func (p *Policy) Check(it agentconfig.Item) error {
	refuse := func(field, format string, args ...any) error {
		return &Refusal{Item: it.Name, Field: field, Reason: fmt.Sprintf(format, args...)}
	}
	switch it.Kind {
	case agentconfig.KindBackup:
		return refuse("backup", "the server's own agent runs no backup items: a backup item runs a command or reads files of its host")
	case agentconfig.KindLog:
		if !p.globAllowed(it.Glob) {
			return refuse("glob", "the server's own agent may not read %q: not under --self-log-paths (%s)", it.Glob, p.listGlobs())
		}
	case agentconfig.KindHTTP, agentconfig.KindExporter:
		u, err := url.Parse(it.URL)
		if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return refuse("url", "the server's own agent reaches only an http(s) URL whose host is in --self-targets")
		}
		if !p.HostAllowed(u.Hostname()) {
			return refuse("url", "the server's own agent may not reach %q: not in --self-targets (%s)", u.Hostname(), p.listTargets())
		}
	case agentconfig.KindTCP:
		if !p.HostAllowed(host(it.Address)) {
			return refuse("address", "the server's own agent may not reach %q: not in --self-targets (%s)", host(it.Address), p.listTargets())
		}
	case agentconfig.KindDNS:
		if it.Server != "" && !p.HostAllowed(host(it.Server)) {
			return refuse("server", "the server's own agent may not ask the resolver %q: not in --self-targets (%s)", host(it.Server), p.listTargets())
		}
		if it.Server == "" && !p.HostAllowed(it.Query) {
			return refuse("query", "the server's own agent may not look up %q: not in --self-targets (%s)", it.Query, p.listTargets())
		}
	}
	return nil
}

// host is the host of host:port, or s itself when it has no port.
func host(s string) string {
	if h, _, err := net.SplitHostPort(s); err == nil {
		return h
	}
	return strings.Trim(s, "[]")
}

// HostAllowed reports whether host (a name or an address) is a target the
// policy allows: an address in a listed CIDR, or a listed name. A name is
// not resolved here; the admin who lists it vouches for where it points.
func (p *Policy) HostAllowed(h string) bool {
	h = strings.Trim(h, "[]")
	if a, err := netip.ParseAddr(h); err == nil {
		a = a.WithZone("").Unmap()
		for _, pr := range p.prefixes {
			if pr.Contains(a) {
				return true
			}
		}
		return false
	}
	return p.hosts[hostName(h)]
}

// globAllowed reports whether every file the item's glob can match is
// matched by an allowed glob: the item's glob, taken as text, must match
// one of them, so its wildcards stay within the allowed one's (a * never
// crosses a /), and ".." cannot climb out.
func (p *Policy) globAllowed(g string) bool {
	if !filepath.IsAbs(g) || filepath.Clean(g) != g {
		return false
	}
	for _, allowed := range p.logGlobs {
		if ok, _ := filepath.Match(allowed, g); ok {
			return true
		}
	}
	return false
}

// FileAllowed reports whether the file at path may be read: for a file
// found through a glob, after its symbolic links are resolved.
func (p *Policy) FileAllowed(path string) bool { return p.globAllowed(path) }

func (p *Policy) listGlobs() string {
	if len(p.logGlobs) == 0 {
		return "none allowed"
	}
	return "allowed: " + strings.Join(p.logGlobs, ",")
}

func (p *Policy) listTargets() string {
	var all []string
	for _, pr := range p.prefixes {
		all = append(all, pr.String())
	}
	for h := range p.hosts {
		all = append(all, h)
	}
	if len(all) == 0 {
		return "none allowed"
	}
	return "allowed: " + strings.Join(all, ",")
}
