package discovery_test

import (
	"context"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/discovery/discoverytest"
)

const (
	albTokyo = "arn:aws:elasticloadbalancing:ap-northeast-1:" + awsAcct + ":loadbalancer/app/web-alb/50dc6c495c0c9188"
	albOsaka = "arn:aws:elasticloadbalancing:ap-northeast-3:" + awsAcct + ":loadbalancer/app/web-alb/6d0ecf831eec9f09"
	albOther = "arn:aws:elasticloadbalancing:ap-northeast-1:" + awsAcct + ":loadbalancer/app/api-alb/1a2b3c4d5e6f7a8b"
	nlbTokyo = "arn:aws:elasticloadbalancing:ap-northeast-1:" + awsAcct + ":loadbalancer/net/edge-nlb/0f1e2d3c4b5a6978"
	euALB    = "arn:aws:elasticloadbalancing:eu-west-1:" + awsAcct + ":loadbalancer/app/eu-alb/aaaabbbbccccdddd"
)

// TestDiscoverAWS: GetResources, signed with the account's key, per region
// of the account (a region it does not name is not asked), paged by
// PaginationToken and throttled once, registers the ALBs with the
// account, region and tags; the same name in two regions is told apart
// by a hash of the ARN; an ALB deleted is marked gone.
func TestDiscoverAWS(t *testing.T) {
	w := newWorld(t)
	w.aws.Set(
		discoverytest.Tagged{ARN: albTokyo, Tags: map[string]string{"env": "prod", "Name": "web"}},
		discoverytest.Tagged{ARN: albOsaka, Tags: map[string]string{"env": "dr"}},
		discoverytest.Tagged{ARN: albOther},
		discoverytest.Tagged{ARN: euALB},
	)
	w.aws.Throttle(1)
	id := w.awsAccount("acme", "acme-aws", "ap-northeast-1", "ap-northeast-3")
	run := w.discover("acme", id)
	if run.Found != 3 || run.Registered != 3 {
		t.Fatalf("run = %+v", run)
	}
	calls := w.aws.Calls()
	if has(calls, "throttled GetResources") != 1 || has(calls, "ap-northeast-1 GetResources") != 2 || has(calls, "ap-northeast-3 GetResources") != 1 || has(calls, "eu-west-1") != 0 {
		t.Fatalf("calls = %v", calls)
	}
	res := w.resources("acme")
	tokyo := res["web-alb"]
	if tokyo == nil || len(res) != 3 || res["api-alb"] == nil {
		t.Fatalf("resources = %v", keys(res))
	}
	want := map[string]string{"cloud": "aws", "cloud_type": "alb", "cloud_id": albTokyo, "cloud_account": tokyo.Labels["cloud_account"],
		"region": "ap-northeast-1", "aws_account": awsAcct, "tag_env": "prod", "tag_name": "web"}
	if tokyo.Kind != "load_balancer" || !equal(tokyo.Labels, want) {
		t.Fatalf("tokyo = %s %v", tokyo.Kind, tokyo.Labels)
	}
	var osaka string
	for name, r := range res {
		if r.Labels[cloudtype.LabelID] == albOsaka {
			osaka = name
		}
	}
	if !strings.HasPrefix(osaka, "web-alb-") || len(osaka) != len("web-alb-")+6 {
		t.Fatalf("the Osaka ALB is named %q", osaka)
	}

	w.aws.Remove(albOther)
	if run := w.discover("acme", id); run.Gone != 1 {
		t.Fatalf("run = %+v", run)
	}
	if _, gone := w.resources("acme")["api-alb"].Labels[cloudtype.LabelGone]; !gone {
		t.Fatal("api-alb not marked gone")
	}
}

// TestAWSSignatureRefused: a wrong secret is refused by the fake's SigV4
// check, and the run says so without registering anything.
func TestAWSSignatureRefused(t *testing.T) {
	w := newWorld(t)
	w.aws.Set(discoverytest.Tagged{ARN: albTokyo})
	w.aws.Secret = "not-the-secret"
	id := w.awsAccount("acme", "acme-aws", "ap-northeast-1")
	run, err := w.d.Discover(context.Background(), "acme", id)
	if err != nil {
		t.Fatal(err)
	}
	if run.OK || !strings.Contains(run.Message, "InvalidSignatureException") || len(w.resources("acme")) != 0 {
		t.Fatalf("run = %+v", run)
	}
}

// TestRules: the tenant's rules choose what is registered: types, tags
// and resource groups; what the rules leave out is not registered, and
// not taken for gone either.
func TestRules(t *testing.T) {
	w := newWorld(t)
	w.arm.Set(subscription()...)
	id := w.azureAccount("acme", "acme-prod")
	store := discoveryStore(w)
	if _, err := store.SetRules(context.Background(), "acme", rulesOf([]string{"lb", "sql_database"}, map[string]string{"env": "prod"}, []string{"RG-NET"})); err != nil {
		t.Fatal(err)
	}
	run := w.discover("acme", id)
	res := w.resources("acme")
	if run.Registered != 1 || len(res) != 1 || res["lb-web"] == nil {
		t.Fatalf("run %+v registered %v", run, keys(res))
	}
	if _, err := store.SetRules(context.Background(), "acme", rulesOf(nil, map[string]string{"env": "*"}, nil)); err != nil {
		t.Fatal(err)
	}
	run = w.discover("acme", id)
	if run.Registered != 1 || len(w.resources("acme")) != 2 || run.Gone != 0 {
		t.Fatalf("run %+v registered %v", run, keys(w.resources("acme")))
	}
}
