package discovery_test

import (
	"testing"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/discovery/discoverytest"
)

// byTitle indexes alerts by title and resource.
func byTitle(list []*alert.Alert) map[string]*alert.Alert {
	m := map[string]*alert.Alert{}
	for _, a := range list {
		m[a.Title.En+"@"+a.Resource] = a
	}
	return m
}

// TestAzureHealth: Resource Health's Unavailable load balancer fires a
// critical alert on it (a storage account discovery does not register
// does not), a Service Health issue fires on the tenant, and both
// resolve when Azure says Available and Resolved.
func TestAzureHealth(t *testing.T) {
	w := newWorld(t)
	w.arm.Set(subscription()...)
	w.arm.Health([]discoverytest.Availability{
		{ResourceID: lbID, State: "Unavailable", Summary: "The load balancer's data path is down."},
		{ResourceID: sqlID, State: "Available"},
		{ResourceID: stID, State: "Unavailable"},
	}, []discoverytest.ServiceEvent{
		{TrackingID: "VN2T-5C8", Type: "ServiceIssue", Status: "Active", Title: "Connectivity issues in Japan East", Service: "Virtual Network", Region: "Japan East"},
	})
	id := w.azureAccount("acme", "acme-prod")
	w.discover("acme", id)
	got := byTitle(w.alerts("acme", alert.SourceCloudHealth))
	lb := got["Azure Resource Health: Unavailable@lb-web"]
	svc := got["Azure Service Health: Connectivity issues in Japan East@"]
	if len(got) != 2 || lb == nil || svc == nil {
		t.Fatalf("alerts = %v\n%s", keys(got), w.logs.String())
	}
	if lb.State != alert.StateFiring || lb.Severity != alert.SeverityCritical || lb.ResourceID == 0 || svc.State != alert.StateFiring ||
		svc.Labels["region"] != "Japan East" || svc.ResourceID != 0 {
		t.Fatalf("lb %+v\nsvc %+v", lb, svc)
	}
	if calls := w.arm.Calls(); has(calls, "GET /subscriptions/"+subID+"/providers/Microsoft.ResourceHealth/availabilityStatuses") != 3 {
		t.Fatalf("availability pages: %v", calls)
	}

	w.arm.Health([]discoverytest.Availability{{ResourceID: lbID, State: "Available"}},
		[]discoverytest.ServiceEvent{{TrackingID: "VN2T-5C8", Type: "ServiceIssue", Status: "Resolved", Title: "Connectivity issues in Japan East"}})
	w.discover("acme", id)
	for k, a := range byTitle(w.alerts("acme", alert.SourceCloudHealth)) {
		if a.State != alert.StateResolved {
			t.Fatalf("%s still %s", k, a.State)
		}
	}
}

// TestAWSHealth: an open AWS Health issue fires on each affected resource
// discovery registered (an EC2 instance named by its ID, not its ARN), an
// event without entities on the account; when
// AWS Health no longer lists them open they resolve.
func TestAWSHealth(t *testing.T) {
	w := newWorld(t)
	ec2 := "arn:aws:ec2:ap-northeast-1:" + awsAcct + ":instance/i-0abc1234def567890"
	w.aws.Set(discoverytest.Tagged{ARN: albTokyo}, discoverytest.Tagged{ARN: ec2})
	w.aws.Health(
		discoverytest.HealthEvent{Arn: "arn:aws:health:ap-northeast-1::event/ELASTICLOADBALANCING/AWS_ELASTICLOADBALANCING_OPERATIONAL_ISSUE/abc", Service: "ELASTICLOADBALANCING",
			TypeCode: "AWS_ELASTICLOADBALANCING_OPERATIONAL_ISSUE", Category: "issue", Region: "ap-northeast-1", Status: "open", Entities: []string{albTokyo}},
		discoverytest.HealthEvent{Arn: "arn:aws:health:ap-northeast-1::event/EC2/AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED/ghi", Service: "EC2",
			TypeCode: "AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED", Category: "scheduledChange", Region: "ap-northeast-1", Status: "open", Entities: []string{"i-0abc1234def567890"}},
		discoverytest.HealthEvent{Arn: "arn:aws:health:global::event/BILLING/AWS_BILLING_NOTIFICATION/def", Service: "BILLING",
			TypeCode: "AWS_BILLING_NOTIFICATION", Category: "accountNotification", Region: "global", Status: "open"},
	)
	id := w.awsAccount("acme", "acme-aws", "ap-northeast-1")
	w.discover("acme", id)
	got := byTitle(w.alerts("acme", alert.SourceCloudHealth))
	alb := got["AWS Health: ELASTICLOADBALANCING AWS_ELASTICLOADBALANCING_OPERATIONAL_ISSUE@web-alb"]
	bill := got["AWS Health: BILLING AWS_BILLING_NOTIFICATION@"]
	retire := got["AWS Health: EC2 AWS_EC2_INSTANCE_RETIREMENT_SCHEDULED@i-0abc1234def567890"]
	if len(got) != 3 || retire == nil || retire.Severity != alert.SeverityWarning || alb == nil || bill == nil || alb.Severity != alert.SeverityCritical || bill.Severity != alert.SeverityInfo || alb.ResourceID == 0 {
		t.Fatalf("alerts = %v", keys(got))
	}
	// AWS gives codes: the alert says them in each reader's language.
	if alb.ValueIn("ja") != "障害 発生中" || alb.ValueIn("en") != "issue open" || retire.ValueIn("ja") != "予定された変更 発生中" {
		t.Errorf("the events say %q / %q and %q", alb.ValueIn("ja"), alb.ValueIn("en"), retire.ValueIn("ja"))
	}
	if calls := w.aws.Calls(); has(calls, "us-east-1 DescribeEvents") != 3 || has(calls, "us-east-1 DescribeAffectedEntities") != 1 {
		t.Fatalf("calls = %v", calls)
	}
	w.aws.Health()
	w.restart() // the events closed while the server was down: it reads them back from the open alerts
	w.discover("acme", id)
	for k, a := range byTitle(w.alerts("acme", alert.SourceCloudHealth)) {
		if a.State != alert.StateResolved {
			t.Fatalf("%s still %s", k, a.State)
		}
	}
}
