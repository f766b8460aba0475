// Package facts gathers what the agent tells the server about its host when
// it enrolls: OS and version, architecture, host name, addresses, the machine
// ID, and, on a cloud VM, what the instance metadata service says (provider,
// region, instance ID, VM size, tags). The server keeps them as the
// resource's labels, where the tenant's label rules pick its templates.
package facts

import (
	"context"
	"net"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// Facts is what is known of a host.
type Facts struct {
	Hostname  string   `json:"hostname"`
	MachineID string   `json:"machine_id,omitempty"` // /etc/machine-id, or Windows' MachineGuid
	OS        string   `json:"os"`                   // runtime.GOOS: linux, windows
	OSVersion string   `json:"os_version,omitempty"` // e.g. "debian 12", "Windows Server 2022 Datacenter 10.0.20348"
	Arch      string   `json:"arch"`
	IPs       []string `json:"ips,omitempty"`
	Cloud     *Cloud   `json:"cloud,omitempty"`
}

// Cloud is what an instance metadata service answered.
type Cloud struct {
	Provider   string            `json:"provider"` // azure, aws
	Region     string            `json:"region"`
	InstanceID string            `json:"instance_id"`
	VMSize     string            `json:"vm_size"`
	Tags       map[string]string `json:"tags,omitempty"`
}

// MaxTags is how many cloud tags become labels; a resource holds at most 32
// labels, and the facts take about a dozen.
const MaxTags = 16

// Options says where the metadata services are; tests point them at fakes.
type Options struct {
	AzureURL string        // base URL, http://169.254.169.254 by default
	AWSURL   string        // base URL, http://169.254.169.254 by default
	Timeout  time.Duration // for each metadata service; 2 s by default
}

// DefaultIMDS is the link-local address both metadata services answer on.
const DefaultIMDS = "http://169.254.169.254"

// Gather returns the host's facts. A host off any cloud has Cloud nil; the
// metadata services are asked at once, so that costs at most one timeout.
func Gather(ctx context.Context, o Options) Facts {
	if o.AzureURL == "" {
		o.AzureURL = DefaultIMDS
	}
	if o.AWSURL == "" {
		o.AWSURL = DefaultIMDS
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	f := Facts{OS: runtime.GOOS, Arch: runtime.GOARCH, MachineID: machineID(), OSVersion: osVersion(), IPs: addresses()}
	f.Hostname, _ = os.Hostname()
	var wg sync.WaitGroup
	var azure, aws *Cloud
	wg.Go(func() { azure, _ = Azure(ctx, o.AzureURL, o.Timeout) })
	wg.Go(func() { aws, _ = AWS(ctx, o.AWSURL, o.Timeout) })
	wg.Wait()
	if azure != nil {
		f.Cloud = azure
	} else {
		f.Cloud = aws
	}
	return f
}

// addresses lists the host's unicast addresses, loopback and link-local left out.
func addresses() []string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []string
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() || ipn.IP.IsMulticast() {
			continue
		}
		out = append(out, ipn.IP.String())
	}
	slices.Sort(out)
	return out
}

var labelNameBad = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// Labels returns the facts as resource labels. The names are unyo's, the
// same on every OS and cloud, so one label rule ("os=linux", "cloud=azure",
// "region=japaneast") picks hosts wherever they run; tags become tag_NAME.
func (f Facts) Labels() map[string]string {
	l := map[string]string{"os": f.OS, "arch": f.Arch, "hostname": f.Hostname}
	set := func(k, v string) {
		if v != "" {
			l[k] = v
		}
	}
	set("os_version", f.OSVersion)
	set("machine_id", f.MachineID)
	set("ips", strings.Join(f.IPs, " "))
	if c := f.Cloud; c != nil {
		set("cloud", c.Provider)
		set("region", c.Region)
		set("instance_id", c.InstanceID)
		set("vm_size", c.VMSize)
		keys := make([]string, 0, len(c.Tags))
		for k := range c.Tags {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for i, k := range keys {
			if i == MaxTags {
				break
			}
			set(TagLabel(k), c.Tags[k])
		}
	}
	for k, v := range l {
		if len(v) > 1024 {
			l[k] = v[:1024]
		}
	}
	return l
}

// TagLabel is the label a cloud tag becomes: tag_ and the tag's name with
// every character a label name cannot hold replaced by _.
func TagLabel(tag string) string {
	return "tag_" + labelNameBad.ReplaceAllString(tag, "_")
}

// EnrollPath is where an agent enrolls its host: a POST of an EnrollRequest
// with the tenant's enrollment token as bearer, answered by Enrolled.
const EnrollPath = "/api/v1/agent/enroll"

// EnrollRequest is what an enrolling agent sends.
type EnrollRequest struct {
	Host  string `json:"host"` // the resource name; the host name by default
	Facts Facts  `json:"facts"`
}

// Enrolled is the server's answer: the resource the host is, and the host's
// own ingest token (shown this once; a re-enrollment rotates it).
type Enrolled struct {
	Tenant     string            `json:"tenant"`
	Host       string            `json:"host"`
	ResourceID int64             `json:"resource_id"`
	Created    bool              `json:"created"` // false: the host was known and kept its resource
	Labels     map[string]string `json:"labels"`
	Token      string            `json:"token"`
}
