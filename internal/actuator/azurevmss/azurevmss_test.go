package azurevmss_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7/fake"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/actuator/azurevmss"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/secret"
	"github.com/unyo-ops/unyo/internal/storage"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const (
	dirID    = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientID = "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5"
	subID    = "11111111-2222-4333-8444-555555555555"
	secretV  = "Xq8~Zr2.abcdefghijklmnopqrstuvwxyz-Q7tK"
	login    = "https://login.vmss.test"
	arm      = "https://management.vmss.test"
)

// scaleSet is the state behind armcompute's fake server: one scale set
// web in resource group rg-shop, with ARM's answers for a concurrent
// operation (409) and throttling (429).
type scaleSet struct {
	mu        sync.Mutex
	capacity  int64
	sku       string
	succeeded int64 // VMs whose provisioning succeeded; the rest are creating
	busy      bool
	throttled bool
	updates   []int64
}

func (s *scaleSet) server() *fake.ServerFactory {
	found := func(rg, name string, e *azfake.ErrorResponder) bool {
		if rg != "rg-shop" || name != "web" {
			e.SetResponseError(http.StatusNotFound, "ResourceNotFound")
			return false
		}
		return true
	}
	return &fake.ServerFactory{VirtualMachineScaleSetsServer: fake.VirtualMachineScaleSetsServer{
		BeginUpdate: func(_ context.Context, rg, name string, p armcompute.VirtualMachineScaleSetUpdate, _ *armcompute.VirtualMachineScaleSetsClientBeginUpdateOptions) (
			resp azfake.PollerResponder[armcompute.VirtualMachineScaleSetsClientUpdateResponse], e azfake.ErrorResponder) {
			s.mu.Lock()
			defer s.mu.Unlock()
			switch {
			case !found(rg, name, &e):
			case s.throttled:
				e.SetResponseError(http.StatusTooManyRequests, "TooManyRequests")
			case s.busy:
				e.SetResponseError(http.StatusConflict, "OperationNotAllowed")
			case p.SKU == nil || p.SKU.Capacity == nil || p.SKU.Name != nil || p.Properties != nil:
				e.SetResponseError(http.StatusBadRequest, "InvalidParameter") // only the capacity may change
			default:
				s.capacity = *p.SKU.Capacity
				s.updates = append(s.updates, s.capacity)
				if s.succeeded > s.capacity {
					s.succeeded = s.capacity
				}
				resp.SetTerminalResponse(http.StatusOK, armcompute.VirtualMachineScaleSetsClientUpdateResponse{}, nil)
			}
			return
		},
		Get: func(_ context.Context, rg, name string, _ *armcompute.VirtualMachineScaleSetsClientGetOptions) (
			resp azfake.Responder[armcompute.VirtualMachineScaleSetsClientGetResponse], e azfake.ErrorResponder) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if found(rg, name, &e) {
				if s.throttled {
					e.SetResponseError(http.StatusTooManyRequests, "TooManyRequests")
					return
				}
				resp.SetResponse(http.StatusOK, armcompute.VirtualMachineScaleSetsClientGetResponse{VirtualMachineScaleSet: armcompute.VirtualMachineScaleSet{
					Name: to.Ptr("web"), SKU: &armcompute.SKU{Name: to.Ptr(s.sku), Tier: to.Ptr("Standard"), Capacity: to.Ptr(s.capacity)}}}, nil)
			}
			return
		},
		GetInstanceView: func(_ context.Context, rg, name string, _ *armcompute.VirtualMachineScaleSetsClientGetInstanceViewOptions) (
			resp azfake.Responder[armcompute.VirtualMachineScaleSetsClientGetInstanceViewResponse], e azfake.ErrorResponder) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if found(rg, name, &e) {
				summary := []*armcompute.VirtualMachineStatusCodeCount{{Code: to.Ptr("ProvisioningState/succeeded"), Count: to.Ptr(int32(s.succeeded))}}
				if creating := s.capacity - s.succeeded; creating > 0 {
					summary = append(summary, &armcompute.VirtualMachineStatusCodeCount{Code: to.Ptr("ProvisioningState/creating"), Count: to.Ptr(int32(creating))})
				}
				resp.SetResponse(http.StatusOK, armcompute.VirtualMachineScaleSetsClientGetInstanceViewResponse{VirtualMachineScaleSetInstanceView: armcompute.VirtualMachineScaleSetInstanceView{
					VirtualMachine: &armcompute.VirtualMachineScaleSetInstanceViewStatusesSummary{StatusesSummary: summary}}}, nil)
			}
			return
		},
	}}
}

// cloud routes the login host to the Entra fake and every other request
// to armcompute's fake server, refusing those without a token Entra
// issued: what Azure checks, in process.
type cloud struct {
	entra *cloudtest.Entra
	login *http.ServeMux
	arm   *fake.ServerFactoryTransport
	calls int
}

func (c *cloud) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == strings.TrimPrefix(login, "https://") {
		rec := httptest.NewRecorder()
		c.login.ServeHTTP(rec, r)
		return rec.Result(), nil
	}
	if r.URL.Host != strings.TrimPrefix(arm, "https://") || !c.entra.Authorized(r) {
		rec := httptest.NewRecorder()
		cloudtest.ARMError(rec, http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
		return rec.Result(), nil
	}
	c.calls++
	return c.arm.Do(r)
}

type fixture struct {
	set      *scaleSet
	accounts *cloudaccount.Store
	deps     actuator.Deps
	azure    int64 // acme's Azure account
	aws      int64 // acme's AWS account
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
	box, _ := secret.New(bytes.Repeat([]byte{3}, secret.KeySize))
	f := &fixture{set: &scaleSet{capacity: 2, succeeded: 2, sku: "Standard_D2s_v5"}, accounts: cloudaccount.NewStore(db, box)}
	az, err := f.accounts.Create(ctx, "acme", cloudaccount.Input{Name: "acme-prod", Provider: cloudaccount.ProviderAzure, Azure: &cloudaccount.AzureInput{
		TenantID: dirID, ClientID: clientID, ClientSecret: secretV, SubscriptionID: subID, ResourceManager: arm, Login: login}}, true)
	if err != nil {
		t.Fatal(err)
	}
	aw, err := f.accounts.Create(ctx, "acme", cloudaccount.Input{Name: "acme-aws", Provider: cloudaccount.ProviderAWS, AWS: &cloudaccount.AWSInput{
		AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Regions: []string{"ap-northeast-1"}}}, true)
	if err != nil {
		t.Fatal(err)
	}
	f.azure, f.aws = az.ID, aw.ID
	c := &cloud{entra: &cloudtest.Entra{Tenant: dirID, ClientID: clientID, Secret: secretV, Scope: arm + "/.default"}, login: http.NewServeMux(),
		arm: fake.NewServerFactoryTransport(f.set.server())}
	c.entra.Register(c.login, login)
	f.deps = actuator.Deps{Accounts: f.accounts, HTTP: &http.Client{Transport: c}}
	return f
}

func (f *fixture) spec(cfg string) actuator.Spec {
	return actuator.Spec{Kind: azurevmss.Kind, Config: json.RawMessage(cfg), Account: f.azure}
}

// TestApplyAndObserve: the actuator, built from acme's sealed account,
// reads the scale set's capacity, size and succeeded VMs, sets the
// capacity, and sees the new VMs only once their provisioning succeeds.
func TestApplyAndObserve(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, err := azurevmss.New(ctx, f.spec(`{"resource_group":"rg-shop","name":"web"}`), "acme", f.deps)
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Observe(ctx)
	if err != nil || st != (actuator.State{Desired: 2, Running: 2, Size: "Standard_D2s_v5"}) {
		t.Fatalf("observe = %+v %v", st, err)
	}
	if err := a.Apply(ctx, 6); err != nil {
		t.Fatal(err)
	}
	st, err = a.Observe(ctx)
	if err != nil || st != (actuator.State{Desired: 6, Running: 2, Size: "Standard_D2s_v5"}) {
		t.Fatalf("after apply, VMs creating: %+v %v", st, err)
	}
	f.set.mu.Lock()
	f.set.succeeded = 6
	f.set.mu.Unlock()
	if st, err = a.Observe(ctx); err != nil || st.Running != 6 {
		t.Fatalf("after provisioning: %+v %v", st, err)
	}
	if err := a.Apply(ctx, 6); err != nil { // the same count again is harmless
		t.Fatal(err)
	}
	if err := a.Apply(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if got := f.set.updates; len(got) != 3 || got[0] != 6 || got[2] != 3 {
		t.Fatalf("capacities sent: %v", got)
	}
}

// TestBusyAndThrottled: ARM's 409 while another operation runs is
// actuator.ErrBusy, its 429 actuator.ErrThrottled, and neither changes
// the capacity.
func TestBusyAndThrottled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, err := azurevmss.New(ctx, f.spec(`{"resource_group":"rg-shop","name":"web"}`), "acme", f.deps)
	if err != nil {
		t.Fatal(err)
	}
	f.set.busy = true
	if err := a.Apply(ctx, 5); !errors.Is(err, actuator.ErrBusy) || !strings.Contains(err.Error(), "OperationNotAllowed") {
		t.Fatalf("busy: %v", err)
	}
	f.set.busy, f.set.throttled = false, true
	if err := a.Apply(ctx, 5); !errors.Is(err, actuator.ErrThrottled) {
		t.Fatalf("throttled apply: %v", err)
	}
	if _, err := a.Observe(ctx); !errors.Is(err, actuator.ErrThrottled) {
		t.Fatalf("throttled observe: %v", err)
	}
	if f.set.capacity != 2 || len(f.set.updates) != 0 {
		t.Fatalf("capacity changed: %d %v", f.set.capacity, f.set.updates)
	}
	missing, _ := azurevmss.New(ctx, f.spec(`{"resource_group":"rg-shop","name":"api"}`), "acme", f.deps)
	if _, err := missing.Observe(ctx); err == nil || !strings.Contains(err.Error(), "404 ResourceNotFound") || errors.Is(err, actuator.ErrBusy) {
		t.Fatalf("missing scale set: %v", err)
	}
}

// TestAccountAndConfig: another tenant's account is not found, an AWS
// account is refused, a wrong secret fails at the token, and a bad
// configuration names its field.
func TestAccountAndConfig(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	good := `{"resource_group":"rg-shop","name":"web"}`
	if _, err := azurevmss.New(ctx, f.spec(good), "beta", f.deps); err == nil || !strings.Contains(err.Error(), "account_id: no cloud account") {
		t.Fatalf("beta using acme's account: %v", err)
	}
	spec := f.spec(good)
	spec.Account = f.aws
	if _, err := azurevmss.New(ctx, spec, "acme", f.deps); err == nil || !strings.Contains(err.Error(), "not azure") {
		t.Fatalf("aws account: %v", err)
	}
	for cfg, field := range map[string]string{
		`{"resource_group":"","name":"web"}`:            "config.resource_group",
		`{"resource_group":"rg","name":"-web"}`:         "config.name",
		`{"resource_group":"rg","name":"web","size":3}`: "config",
		`{"resource_group":"rg/../x","name":"web"}`:     "config.resource_group",
	} {
		if _, err := azurevmss.New(ctx, f.spec(cfg), "acme", f.deps); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("config %s: %v, want %s", cfg, err, field)
		}
	}
	// The secret is rotated to a wrong one: the next actuator fails at login.
	if _, err := f.accounts.Update(ctx, "acme", f.azure, cloudaccount.Input{Name: "acme-prod", Provider: cloudaccount.ProviderAzure, Azure: &cloudaccount.AzureInput{
		TenantID: dirID, ClientID: clientID, ClientSecret: "a-wrong-secret-0000000000", SubscriptionID: subID, ResourceManager: arm, Login: login}}, true); err != nil {
		t.Fatal(err)
	}
	a, err := azurevmss.New(ctx, f.spec(good), "acme", f.deps)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Observe(ctx); err == nil || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("wrong secret: %v", err)
	}
}
