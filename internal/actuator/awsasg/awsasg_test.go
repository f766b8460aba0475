package awsasg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/actuator/awsasg"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	keyID   = "AKIAIOSFODNN7EXAMPLE"
	keyS    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	role    = "arn:aws:iam::210987654321:role/unyo-msp"
	extID   = "msp-acme-7"
	ns      = "http://autoscaling.amazonaws.com/doc/2011-01-01/"
	version = "2011-01-01"
)

type instance struct{ id, typ, state, health string }

// group is the Auto Scaling group behind the contract fake: web, 1 to 10.
type group struct {
	mu        sync.Mutex
	min, max  int
	desired   int
	instances []instance
	busy      bool
	throttled bool
}

// serve adds Auto Scaling's two actions to q, enforcing their parameters
// and answering AWS's documents and errors.
func (g *group) serve(q *cloudtest.AWSQuery) {
	sender := func(code, msg string) *cloudtest.APIError {
		return &cloudtest.APIError{Status: 400, Type: "Sender", Code: code, Message: msg}
	}
	q.Serve("autoscaling", cloudtest.QueryService{Version: version, Namespace: ns, Actions: map[string]func(cloudtest.Call) (string, *cloudtest.APIError){
		"SetDesiredCapacity": func(c cloudtest.Call) (string, *cloudtest.APIError) {
			g.mu.Lock()
			defer g.mu.Unlock()
			var n int
			if _, err := fmt.Sscan(c.Form.Get("DesiredCapacity"), &n); err != nil {
				return "", sender("ValidationError", "1 validation error detected: Value null at 'desiredCapacity' failed to satisfy constraint: Member must not be null")
			}
			switch {
			case c.Form.Get("AutoScalingGroupName") != "web":
				return "", sender("ValidationError", "AutoScalingGroup name not found - no such group: "+c.Form.Get("AutoScalingGroupName"))
			case c.Form.Get("HonorCooldown") != "false":
				return "", sender("InvalidParameterValue", "the test expects HonorCooldown=false, got "+c.Form.Get("HonorCooldown"))
			case g.throttled:
				return "", sender("Throttling", "Rate exceeded")
			case g.busy:
				return "", sender("ScalingActivityInProgress", "Scaling activity 5ef4b2ad is in progress and blocks this action.")
			case n > g.max:
				return "", sender("ValidationError", fmt.Sprintf("New SetDesiredCapacity value %d is above max value %d for the AutoScalingGroup.", n, g.max))
			case n < g.min:
				return "", sender("ValidationError", fmt.Sprintf("New SetDesiredCapacity value %d is below min value %d for the AutoScalingGroup.", n, g.min))
			}
			for len(g.instances) < n {
				g.instances = append(g.instances, instance{fmt.Sprintf("i-%017d", len(g.instances)), "m7g.large", "Pending", "Healthy"})
			}
			g.instances, g.desired = g.instances[:n], n
			return "", nil
		},
		"DescribeAutoScalingGroups": func(c cloudtest.Call) (string, *cloudtest.APIError) {
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.throttled {
				return "", sender("Throttling", "Rate exceeded")
			}
			if c.Form.Get("AutoScalingGroupNames.member.1") != "web" {
				return "<AutoScalingGroups/>", nil
			}
			var b strings.Builder
			for _, in := range g.instances {
				fmt.Fprintf(&b, `<member><InstanceId>%s</InstanceId><InstanceType>%s</InstanceType><AvailabilityZone>ap-northeast-1a</AvailabilityZone>`+
					`<LifecycleState>%s</LifecycleState><HealthStatus>%s</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`, in.id, in.typ, in.state, in.health)
			}
			return fmt.Sprintf(`<AutoScalingGroups><member><AutoScalingGroupName>web</AutoScalingGroupName>`+
				`<AutoScalingGroupARN>arn:aws:autoscaling:ap-northeast-1:210987654321:autoScalingGroup:uuid:autoScalingGroupName/web</AutoScalingGroupARN>`+
				`<LaunchTemplate><LaunchTemplateName>web</LaunchTemplateName><Version>$Latest</Version></LaunchTemplate>`+
				`<MinSize>%d</MinSize><MaxSize>%d</MaxSize><DesiredCapacity>%d</DesiredCapacity><DefaultCooldown>300</DefaultCooldown>`+
				`<Instances>%s</Instances><HealthCheckType>EC2</HealthCheckType></member></AutoScalingGroups>`, g.min, g.max, g.desired, b.String()), nil
		},
	}})
}

type fixture struct {
	grp      *group
	q        *cloudtest.AWSQuery
	deps     actuator.Deps
	accounts *cloudaccount.Store
	role     int64 // acme's account that assumes the role
	key      int64 // acme's account that signs with its key
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for _, id := range []string{"acme", "beta"} {
		if err := storage.New(db).CreateTenant(ctx, &model.Tenant{ID: id, Name: id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			t.Fatal(err)
		}
	}
	box, _ := secret.New(bytes.Repeat([]byte{5}, secret.KeySize))
	f := &fixture{grp: &group{min: 1, max: 10, desired: 2}, q: cloudtest.NewAWSQuery(keyID, keyS), accounts: cloudaccount.NewStore(db, box)}
	for i := 0; i < 2; i++ {
		f.grp.instances = append(f.grp.instances, instance{fmt.Sprintf("i-%017d", i), "m7g.large", "InService", "Healthy"})
	}
	f.q.STS("123456789012", role, extID)
	f.grp.serve(f.q)
	srv := httptest.NewServer(f.q)
	t.Cleanup(srv.Close)
	for _, a := range []struct {
		id   *int64
		name string
		role string
	}{{&f.role, "acme-role", role}, {&f.key, "acme-key", ""}} {
		in := &cloudaccount.AWSInput{AccessKeyID: keyID, SecretAccessKey: keyS, RoleARN: a.role, Regions: []string{"ap-northeast-1", "us-east-1"}, Endpoint: srv.URL}
		if a.role != "" {
			in.ExternalID = extID
		}
		v, err := f.accounts.Create(ctx, "acme", cloudaccount.Input{Name: a.name, Provider: cloudaccount.ProviderAWS, AWS: in}, true)
		if err != nil {
			t.Fatal(err)
		}
		*a.id = v.ID
	}
	egress := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")})
	f.deps = actuator.Deps{Accounts: f.accounts, HTTP: egress.Client(0)}
	return f
}

func (f *fixture) open(t *testing.T, account int64, cfg string) actuator.Actuator {
	t.Helper()
	a, err := awsasg.New(context.Background(), actuator.Spec{Kind: awsasg.Kind, Config: json.RawMessage(cfg), Account: account}, "acme", f.deps)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestApplyAndObserve: through the assumed role, the actuator reads the
// group, sets its desired capacity without the cooldown, and counts only
// InService and Healthy instances as running.
func TestApplyAndObserve(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.open(t, f.role, `{"name":"web"}`)
	st, err := a.Observe(ctx)
	if err != nil || st != (actuator.State{Desired: 2, Running: 2, Size: "m7g.large"}) {
		t.Fatalf("observe = %+v %v", st, err)
	}
	if err := a.Apply(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if st, err = a.Observe(ctx); err != nil || st != (actuator.State{Desired: 5, Running: 2, Size: "m7g.large"}) {
		t.Fatalf("after apply, instances pending: %+v %v", st, err)
	}
	f.grp.mu.Lock()
	for i := range f.grp.instances {
		f.grp.instances[i].state = "InService"
	}
	f.grp.instances[4].health = "Unhealthy"
	f.grp.mu.Unlock()
	if st, err = a.Observe(ctx); err != nil || st.Running != 4 {
		t.Fatalf("after launch, one unhealthy: %+v %v", st, err)
	}
	// Every call after AssumeRole was signed by the temporary key, in the group's region.
	calls := f.q.Calls()
	if calls[0].Action != "AssumeRole" || calls[0].Key != keyID {
		t.Fatalf("first call: %+v", calls[0])
	}
	for _, c := range calls[1:] {
		if c.Service != "autoscaling" || !strings.HasPrefix(c.Key, "ASIA") || c.Region != "ap-northeast-1" {
			t.Fatalf("call %+v", c)
		}
	}
}

// TestErrors: ScalingActivityInProgress is actuator.ErrBusy, Throttling
// actuator.ErrThrottled, and a count beyond the group's bounds is AWS's
// ValidationError with its message, none of which changes the group.
func TestErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.open(t, f.key, `{"name":"web","region":"ap-northeast-1"}`)
	f.grp.busy = true
	if err := a.Apply(ctx, 4); !errors.Is(err, actuator.ErrBusy) {
		t.Fatalf("busy: %v", err)
	}
	f.grp.busy, f.grp.throttled = false, true
	if err := a.Apply(ctx, 4); !errors.Is(err, actuator.ErrThrottled) {
		t.Fatalf("throttled apply: %v", err)
	}
	if _, err := a.Observe(ctx); !errors.Is(err, actuator.ErrThrottled) {
		t.Fatalf("throttled observe: %v", err)
	}
	f.grp.throttled = false
	err := a.Apply(ctx, 20)
	if err == nil || errors.Is(err, actuator.ErrBusy) || errors.Is(err, actuator.ErrThrottled) || !strings.Contains(err.Error(), "ValidationError: New SetDesiredCapacity value 20 is above max value 10") {
		t.Fatalf("out of bounds: %v", err)
	}
	if f.grp.desired != 2 {
		t.Fatalf("desired changed to %d", f.grp.desired)
	}
	if _, err := f.open(t, f.key, `{"name":"api"}`).Observe(ctx); err == nil || !strings.Contains(err.Error(), `no Auto Scaling group "api"`) {
		t.Fatalf("missing group: %v", err)
	}
	// The region names the signing scope; a region of the account is taken.
	if _, err := f.open(t, f.key, `{"name":"web","region":"us-east-1"}`).Observe(ctx); err != nil {
		t.Fatal(err)
	}
	if c := f.q.Calls(); c[len(c)-1].Region != "us-east-1" {
		t.Fatalf("region of the last call: %+v", c[len(c)-1])
	}
}

// TestAccountAndConfig: another tenant's account is not found, a region
// outside the account's and a bad name are refused naming the field.
func TestAccountAndConfig(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	spec := func(cfg string) actuator.Spec {
		return actuator.Spec{Kind: awsasg.Kind, Config: json.RawMessage(cfg), Account: f.key}
	}
	if _, err := awsasg.New(ctx, spec(`{"name":"web"}`), "beta", f.deps); err == nil || !strings.Contains(err.Error(), "account_id: no cloud account") {
		t.Fatalf("beta using acme's account: %v", err)
	}
	for cfg, field := range map[string]string{
		`{"name":"web","region":"eu-west-1"}`: "config.region",
		`{"name":""}`:                         "config.name",
		`{"name":"arn:aws:autoscaling:ap-northeast-1:1:autoScalingGroup"}`: "config.name",
		`{"name":"web","min":1}`: "config",
	} {
		if _, err := awsasg.New(ctx, spec(cfg), "acme", f.deps); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("config %s: %v, want %s", cfg, err, field)
		}
	}
}
