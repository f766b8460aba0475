package facts

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/facts/imdsfake"
)

var vm = imdsfake.Instance{ID: "i-0abc123", Region: "ap-northeast-1", Size: "t3.small", Tags: map[string]string{"Name": "web-01", "cost center": "42"}}

// closedURL is a loopback URL nothing listens on: a host off any cloud.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// TestAzure: the agent asks Azure's IMDS the way IMDS requires (the fake
// refuses anything else and counts it) and reads the compute facts.
func TestAzure(t *testing.T) {
	srv := imdsfake.Azure(vm)
	defer srv.Close()
	c, err := Azure(context.Background(), srv.URL, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := Cloud{Provider: "azure", Region: "ap-northeast-1", InstanceID: "i-0abc123", VMSize: "t3.small"}
	if c.Provider != want.Provider || c.Region != want.Region || c.InstanceID != want.InstanceID || c.VMSize != want.VMSize ||
		c.Tags["Name"] != "web-01" || c.Tags["cost center"] != "42" {
		t.Fatalf("azure facts = %+v", c)
	}
	if n := srv.Refused.Load(); n != 0 {
		t.Fatalf("the fake refused %d requests of the agent", n)
	}
	// The fake holds the contract: without the header, IMDS says no.
	resp, err := http.Get(srv.URL + "/metadata/instance/compute?api-version=" + AzureAPIVersion)
	if err != nil || resp.StatusCode != 400 {
		t.Fatalf("a request without Metadata: true = %v %v, want 400", resp, err)
	}
	resp.Body.Close()
}

// TestAWS: IMDSv2: a session token by PUT, then reads with it.
func TestAWS(t *testing.T) {
	srv := imdsfake.AWS(vm)
	defer srv.Close()
	c, err := AWS(context.Background(), srv.URL, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if c.Provider != "aws" || c.Region != "ap-northeast-1" || c.InstanceID != "i-0abc123" || c.VMSize != "t3.small" ||
		c.Tags["Name"] != "web-01" || c.Tags["cost center"] != "42" {
		t.Fatalf("aws facts = %+v", c)
	}
	if n := srv.Refused.Load(); n != 0 {
		t.Fatalf("the fake refused %d requests of the agent", n)
	}
	// IMDSv1 (no token) is refused by the fake, as by an instance that requires v2.
	resp, err := http.Get(srv.URL + "/latest/dynamic/instance-identity/document")
	if err != nil || resp.StatusCode != 401 {
		t.Fatalf("a read without a session token = %v %v, want 401", resp, err)
	}
	resp.Body.Close()
}

// TestGather: on Azure, on AWS, and off any cloud (where it costs at most
// the timeout).
func TestGather(t *testing.T) {
	azure, aws := imdsfake.Azure(vm), imdsfake.AWS(vm)
	defer azure.Close()
	defer aws.Close()
	f := func(o Options, provider string) {
		t.Helper()
		o.Timeout = 2 * time.Second
		start := time.Now()
		got := Gather(context.Background(), o)
		if got.OS != runtime.GOOS || got.Arch != runtime.GOARCH || got.Hostname == "" {
			t.Errorf("host facts: %+v", got)
		}
		if runtime.GOOS == "linux" && got.MachineID == "" {
			t.Errorf("no machine ID on linux")
		}
		switch {
		case provider == "" && got.Cloud != nil:
			t.Errorf("off a cloud, Cloud = %+v", got.Cloud)
		case provider != "" && (got.Cloud == nil || got.Cloud.Provider != provider):
			t.Errorf("Cloud = %+v, want %s", got.Cloud, provider)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Gather took %v", d)
		}
	}
	f(Options{AzureURL: azure.URL, AWSURL: closedURL(t)}, "azure")
	f(Options{AzureURL: closedURL(t), AWSURL: aws.URL}, "aws")
	f(Options{AzureURL: closedURL(t), AWSURL: closedURL(t)}, "")
}

// TestLabels: unyo's label names whatever the cloud; tags sanitised and
// bounded so that a resource stays under its 32 labels.
func TestLabels(t *testing.T) {
	c := &Cloud{Provider: "aws", Region: "r", InstanceID: "i", VMSize: "s", Tags: map[string]string{}}
	for i := range 40 {
		c.Tags[fmt.Sprintf("team/%02d", i)] = "x"
	}
	l := Facts{Hostname: "h", MachineID: "m", OS: "linux", OSVersion: "debian 12", Arch: "arm64", IPs: []string{"10.0.0.1", "fd00::1"}, Cloud: c}.Labels()
	if l["os"] != "linux" || l["ips"] != "10.0.0.1 fd00::1" || l["cloud"] != "aws" || l["tag_team_00"] != "x" || l["os_version"] != "debian 12" {
		t.Fatalf("labels: %v", l)
	}
	if len(l) > 32 {
		t.Fatalf("%d labels, more than a resource holds", len(l))
	}
}
