package cloudmetric_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/cloudmetric"
	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// TestCloudWatchBatchAndPaging: 150 load balancers × 4 unsplit metrics
// take two GetMetricData calls of 500 and 100 queries (the fake refuses more),
// signed with the account's secret, each followed through NextToken when
// a page holds 1,000 points; every series holds exactly its minutes.
func TestCloudWatchBatchAndPaging(t *testing.T) {
	e := newEnv(t, false)
	e.cw.PageSize = 1000
	acc := e.awsAccount("acme")
	arns := map[string]string{}
	for i := range 150 {
		name := fmt.Sprintf("alb-%03d", i)
		arns[name] = e.awsResource("acme", acc, name, "alb")
	}
	e.cycle(e.poller(false))
	edge := e.clock.Now().Add(-cloudmetric.AWSDelay).Truncate(time.Minute)
	from := edge.Add(-10 * time.Minute)
	calls := e.cw.Calls()
	var first []int
	paged := 0
	for _, c := range calls {
		if c.Region != "ap-northeast-1" || !c.Start.Equal(from) || !c.End.Equal(edge) {
			t.Fatalf("call %+v, want ap-northeast-1 over [%s, %s)", c, from, edge)
		}
		if c.Paged {
			paged++
		} else {
			first = append(first, c.Queries)
		}
	}
	// 500 queries × 10 points = 5 pages; 100 × 10 = 1 page.
	if fmt.Sprint(first) != "[500 100]" || paged != 4 {
		t.Fatalf("calls: first pages %v, %d further pages; want [500 100] and 4", first, paged)
	}
	got := e.stored("acme", "aws_alb_httpcode_elb_5xx_count")
	if len(got) != 150 {
		t.Fatalf("%d series, want 150", len(got))
	}
	for name, arn := range arns {
		samePoints(t, name, got["host="+name], want(cloudmetric.DimensionValue("LoadBalancer", arn), "HTTPCode_ELB_5XX_Count", "", from, edge))
	}
}

// TestCloudWatchThrottleBacksOff: CloudWatch's Throttling pauses the
// account for the back-off (no call meanwhile), then the pull catches up.
func TestCloudWatchThrottleBacksOff(t *testing.T) {
	e := newEnv(t, false)
	acc := e.awsAccount("acme")
	arn := e.awsResource("acme", acc, "alb-web", "alb")
	p := e.poller(false, func(o *cloudmetric.Options) { o.Backoff = 2 * time.Minute })
	e.cycle(p)
	first := e.clock.Now().Add(-cloudmetric.AWSDelay).Truncate(time.Minute).Add(-10 * time.Minute)
	e.cw.Throttle(1)
	e.clock.Advance(time.Minute)
	e.cycle(p) // throttled
	before := len(e.cw.Calls())
	e.clock.Advance(time.Minute)
	e.cycle(p)
	if n := len(e.cw.Calls()); n != before {
		t.Fatalf("%d calls while backing off", n-before)
	}
	e.clock.Advance(time.Minute)
	e.cycle(p)
	edge := e.clock.Now().Add(-cloudmetric.AWSDelay).Truncate(time.Minute)
	samePoints(t, "after the back-off", e.stored("acme", "aws_alb_httpcode_elb_5xx_count")["host=alb-web"],
		want(cloudmetric.DimensionValue("LoadBalancer", arn), "HTTPCode_ELB_5XX_Count", "", first, edge))
}

// TestDimensionValue: the dimension naming a resource, from its ARN.
func TestDimensionValue(t *testing.T) {
	f := func(dim, arn, want string) {
		t.Helper()
		if got := cloudmetric.DimensionValue(dim, arn); got != want {
			t.Errorf("DimensionValue(%s, %s) = %q, want %q", dim, arn, got, want)
		}
	}
	f("LoadBalancer", "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188", "app/web/50dc6c495c0c9188")
	f("LoadBalancer", "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/net/nlb/73e2d6bc24d8a067", "net/nlb/73e2d6bc24d8a067")
	f("TargetGroup", "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:targetgroup/tg-web/6d0ecf831eec9f09", "targetgroup/tg-web/6d0ecf831eec9f09")
	f("InstanceId", "arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0abc1234def567890", "i-0abc1234def567890")
	f("DBInstanceIdentifier", "arn:aws:rds:ap-northeast-1:123456789012:db:orders", "orders")
	f("NatGatewayId", "arn:aws:ec2:ap-northeast-1:123456789012:natgateway/nat-0a1b2c3d", "nat-0a1b2c3d")
	f("VpnId", "arn:aws:ec2:ap-northeast-1:123456789012:vpn-connection/vpn-0a1b2c3d", "vpn-0a1b2c3d")
}

// TestCloudWatchSplitSeries: a VPN connection's tunnel metrics, split by
// TunnelIpAddress in the catalogue, are asked for once per tunnel
// ListMetrics lists for that VPN (the aggregate over tunnels and another
// VPN's tunnels left out), each becoming a series with tunnel_ip_address;
// the listing is kept, not asked again at the next pull.
func TestCloudWatchSplitSeries(t *testing.T) {
	e := newEnv(t, false)
	acc := e.awsAccount("acme")
	typ, _ := cloudtype.ByShort("vpn")
	arn := "arn:aws:ec2:ap-northeast-1:123456789012:vpn-connection/vpn-0a1b2c3d"
	e.resource("acme", "vpn-osaka", typ, map[string]string{cloudtype.LabelCloud: "aws", cloudtype.LabelID: arn,
		cloudtype.LabelAccount: itoa(acc), cloudtype.LabelRegion: "ap-northeast-1"})
	for _, m := range typ.Metrics {
		e.cw.List("AWS/VPN", m.Name, "VpnId", "vpn-0a1b2c3d", "TunnelIpAddress", "203.0.113.10")
		e.cw.List("AWS/VPN", m.Name, "VpnId", "vpn-0a1b2c3d", "TunnelIpAddress", "203.0.113.20")
		e.cw.List("AWS/VPN", m.Name, "VpnId", "vpn-0a1b2c3d")                                 // the aggregate
		e.cw.List("AWS/VPN", m.Name, "VpnId", "vpn-0ffff", "TunnelIpAddress", "198.51.100.1") // another VPN
	}
	p := e.poller(false)
	e.cycle(p)
	e.clock.Advance(time.Minute)
	e.cycle(p)
	edge := e.clock.Now().Add(-cloudmetric.AWSDelay).Truncate(time.Minute)
	from := edge.Add(-11 * time.Minute)
	for _, m := range typ.Metrics {
		got := e.stored("acme", m.Series)
		if len(got) != 2 {
			t.Fatalf("%s: series %v, want the two tunnels", m.Series, got)
		}
		for _, ip := range []string{"203.0.113.10", "203.0.113.20"} {
			samePoints(t, m.Series+" "+ip, got["host=vpn-osaka,tunnel_ip_address="+ip], want("vpn-0a1b2c3d"+ip, m.Name, "", from, edge))
		}
	}
	if n := e.cw.Lists(); n != len(typ.Metrics) {
		t.Fatalf("%d ListMetrics calls over two pulls, want %d (one per metric, kept)", n, len(typ.Metrics))
	}
}
