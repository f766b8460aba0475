package e2e

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7/fake"

	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
)

// applied is one scaling call a cloud fake accepted: when, and the count.
type applied struct {
	At    time.Time
	Count int64
}

// vmssCloud is Azure out of process for the real binary: Microsoft Entra's
// token endpoint (cloudtest.Entra) and Resource Manager served by
// armcompute's own fake server (the one internal/actuator/azurevmss is
// tested with) behind an https listener, refusing ARM calls without a
// token Entra issued. It holds one scale set, rg-shop/web, whose VMs
// succeed at once, and records every PATCH.
type vmssCloud struct {
	*httptest.Server
	Entra *cloudtest.Entra
	Sub   string

	mu       sync.Mutex
	capacity int64
	patches  []applied
	refused  []string // ARM calls without a valid token, or not the contract
	failures int      // PATCHes answered with failStatus instead of scaling
	// failStatus and failCode, when set, are ARM's answer to every PATCH
	// (FailUpdates): the scale set does not change.
	failStatus int
	failCode   string
}

func newVMSSCloud(t *testing.T, capacity int64) *vmssCloud {
	t.Helper()
	c := &vmssCloud{Sub: "11111111-2222-4333-8444-555555555555", capacity: capacity}
	arm := fake.NewServerFactoryTransport(c.factory())
	mux := http.NewServeMux()
	c.Server = httptest.NewUnstartedServer(mux)
	c.StartTLS()
	t.Cleanup(c.Close)
	c.Entra = &cloudtest.Entra{Tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "0d8e5a3c-1f2b-4c5d-8e9f-a0b1c2d3e4f5",
		Secret: "Xq8~Zr2.abcdefghijklmnopqrstuvwxyz-Q7tK", Scope: c.URL + "/.default"}
	c.Entra.Register(mux, c.URL)
	mux.HandleFunc("/subscriptions/", func(w http.ResponseWriter, r *http.Request) {
		if !c.Entra.Authorized(r) {
			c.refuse(r.Method + " " + r.URL.Path + ": no token from Entra")
			cloudtest.ARMError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
			return
		}
		if r.URL.Query().Get("api-version") == "" {
			c.refuse(r.URL.String() + ": no api-version")
			cloudtest.ARMError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
			return
		}
		// In process the SDK client names the operation in the request's
		// context; on the wire only the method and path say it.
		var api string
		switch p := r.URL.Path; {
		case !vmssPath.MatchString(strings.TrimSuffix(p, "/instanceView")):
		case r.Method == http.MethodGet && strings.HasSuffix(p, "/instanceView"):
			api = "VirtualMachineScaleSetsClient.GetInstanceView"
		case r.Method == http.MethodGet:
			api = "VirtualMachineScaleSetsClient.Get"
		case r.Method == http.MethodPatch && !strings.HasSuffix(p, "/instanceView"):
			api = "VirtualMachineScaleSetsClient.BeginUpdate"
		}
		if api == "" {
			c.refuse(r.Method + " " + r.URL.Path + ": not an operation of the scale set")
			cloudtest.ARMError(w, http.StatusNotFound, "InvalidResourceType", "The resource type could not be found: "+r.URL.Path)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), runtime.CtxAPINameKey{}, api))
		r.URL.Scheme, r.URL.Host, r.RequestURI = "https", r.Host, ""
		resp, err := arm.Do(r)
		var re *azcore.ResponseError
		if errors.As(err, &re) { // the fake's ErrorResponder: ARM's error answer
			cloudtest.ARMError(w, re.StatusCode, re.ErrorCode, "The operation failed: "+re.ErrorCode)
			return
		}
		if err != nil {
			c.refuse(r.Method + " " + r.URL.Path + ": " + err.Error())
			cloudtest.ARMError(w, http.StatusInternalServerError, "InternalServerError", err.Error())
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	})
	return c
}

// vmssPath is a scale set's ARM ID in the fake's subscription.
var vmssPath = regexp.MustCompile(`^/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/[^/]+/providers/Microsoft\.Compute/virtualMachineScaleSets/[^/]+$`)

func (c *vmssCloud) refuse(why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refused = append(c.refused, why)
}

// factory is the scale set behind armcompute's fake server.
func (c *vmssCloud) factory() *fake.ServerFactory {
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
			c.mu.Lock()
			defer c.mu.Unlock()
			switch {
			case !found(rg, name, &e):
			case c.failStatus != 0:
				c.failures++
				e.SetResponseError(c.failStatus, c.failCode)
			case p.SKU == nil || p.SKU.Capacity == nil || p.SKU.Name != nil || p.Properties != nil:
				c.refused = append(c.refused, "PATCH that changes more than the capacity")
				e.SetResponseError(http.StatusBadRequest, "InvalidParameter")
			default:
				c.capacity = *p.SKU.Capacity
				c.patches = append(c.patches, applied{time.Now(), c.capacity})
				resp.SetTerminalResponse(http.StatusOK, armcompute.VirtualMachineScaleSetsClientUpdateResponse{}, nil)
			}
			return
		},
		Get: func(_ context.Context, rg, name string, _ *armcompute.VirtualMachineScaleSetsClientGetOptions) (
			resp azfake.Responder[armcompute.VirtualMachineScaleSetsClientGetResponse], e azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if found(rg, name, &e) {
				resp.SetResponse(http.StatusOK, armcompute.VirtualMachineScaleSetsClientGetResponse{VirtualMachineScaleSet: armcompute.VirtualMachineScaleSet{
					Name: to.Ptr("web"), SKU: &armcompute.SKU{Name: to.Ptr("Standard_D2s_v5"), Tier: to.Ptr("Standard"), Capacity: to.Ptr(c.capacity)}}}, nil)
			}
			return
		},
		GetInstanceView: func(_ context.Context, rg, name string, _ *armcompute.VirtualMachineScaleSetsClientGetInstanceViewOptions) (
			resp azfake.Responder[armcompute.VirtualMachineScaleSetsClientGetInstanceViewResponse], e azfake.ErrorResponder) {
			c.mu.Lock()
			defer c.mu.Unlock()
			if found(rg, name, &e) {
				summary := []*armcompute.VirtualMachineStatusCodeCount{{Code: to.Ptr("ProvisioningState/succeeded"), Count: to.Ptr(int32(c.capacity))}}
				resp.SetResponse(http.StatusOK, armcompute.VirtualMachineScaleSetsClientGetInstanceViewResponse{VirtualMachineScaleSetInstanceView: armcompute.VirtualMachineScaleSetInstanceView{
					VirtualMachine: &armcompute.VirtualMachineScaleSetInstanceViewStatusesSummary{StatusesSummary: summary}}}, nil)
			}
			return
		},
	}}
}

// Patches returns the capacity PATCHes accepted so far.
func (c *vmssCloud) Patches() []applied {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]applied(nil), c.patches...)
}

// FailUpdates makes ARM answer every capacity PATCH with status and code,
// as it does when the account's role may not write the scale set.
func (c *vmssCloud) FailUpdates(status int, code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failStatus, c.failCode = status, code
}

// Failures counts the PATCHes FailUpdates refused.
func (c *vmssCloud) Failures() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failures
}

// Refused returns the calls that broke the contract.
func (c *vmssCloud) Refused() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.refused...)
}

// WriteCert writes the listener's certificate as PEM for SSL_CERT_FILE.
func (c *vmssCloud) WriteCert(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vmss-fake.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// asgCloud is AWS for the real binary: one Query endpoint (cloudtest.AWSQuery,
// SigV4 checked against the secret) serving STS, for the role the account
// assumes with its external ID, and Auto Scaling with one group, web (1 to
// 10), whose instances are InService and Healthy at once; it records every
// SetDesiredCapacity. With Lag the new instances stay Pending (not
// InService) until Ready: the running count stays behind the desired one.
type asgCloud struct {
	*httptest.Server
	Q                        *cloudtest.AWSQuery
	Key, Secret, Role, ExtID string

	mu      sync.Mutex
	desired int
	running int // InService and Healthy
	lag     bool
	sets    []applied
	reads   int // DescribeAutoScalingGroups calls
}

func newASGCloud(t *testing.T, desired int) *asgCloud {
	t.Helper()
	c := &asgCloud{Key: "AKIAIOSFODNN7EXAMPLE", Secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		Role: "arn:aws:iam::210987654321:role/unyo-msp", ExtID: "msp-acme-7", desired: desired, running: desired}
	c.Q = cloudtest.NewAWSQuery(c.Key, c.Secret)
	c.Q.STS("123456789012", c.Role, c.ExtID)
	sender := func(code, msg string) *cloudtest.APIError {
		return &cloudtest.APIError{Status: 400, Type: "Sender", Code: code, Message: msg}
	}
	c.Q.Serve("autoscaling", cloudtest.QueryService{Version: "2011-01-01", Namespace: "http://autoscaling.amazonaws.com/doc/2011-01-01/",
		Actions: map[string]func(cloudtest.Call) (string, *cloudtest.APIError){
			"SetDesiredCapacity": func(call cloudtest.Call) (string, *cloudtest.APIError) {
				if !strings.HasPrefix(call.Key, "ASIA") {
					return "", &cloudtest.APIError{Status: 403, Type: "Sender", Code: "AccessDenied", Message: "the user may not scale; the role may"}
				}
				var n int
				if _, err := fmt.Sscan(call.Form.Get("DesiredCapacity"), &n); err != nil {
					return "", sender("ValidationError", "1 validation error detected: Value null at 'desiredCapacity'")
				}
				switch {
				case call.Form.Get("AutoScalingGroupName") != "web":
					return "", sender("ValidationError", "AutoScalingGroup name not found - no such group: "+call.Form.Get("AutoScalingGroupName"))
				case n > 10 || n < 1:
					return "", sender("ValidationError", fmt.Sprintf("New SetDesiredCapacity value %d is outside 1 to 10 for the AutoScalingGroup.", n))
				}
				c.mu.Lock()
				defer c.mu.Unlock()
				c.desired = n
				if !c.lag {
					c.running = n
				}
				c.sets = append(c.sets, applied{time.Now(), int64(n)})
				return "", nil
			},
			"DescribeAutoScalingGroups": func(call cloudtest.Call) (string, *cloudtest.APIError) {
				if call.Form.Get("AutoScalingGroupNames.member.1") != "web" {
					return "<AutoScalingGroups/>", nil
				}
				c.mu.Lock()
				defer c.mu.Unlock()
				c.reads++
				var b strings.Builder
				for i := 0; i < c.desired; i++ {
					state := "InService"
					if i >= c.running {
						state = "Pending"
					}
					fmt.Fprintf(&b, `<member><InstanceId>i-%017d</InstanceId><InstanceType>m7g.large</InstanceType><AvailabilityZone>ap-northeast-1a</AvailabilityZone>`+
						`<LifecycleState>%s</LifecycleState><HealthStatus>Healthy</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`, i, state)
				}
				return fmt.Sprintf(`<AutoScalingGroups><member><AutoScalingGroupName>web</AutoScalingGroupName>`+
					`<AutoScalingGroupARN>arn:aws:autoscaling:ap-northeast-1:123456789012:autoScalingGroup:uuid:autoScalingGroupName/web</AutoScalingGroupARN>`+
					`<MinSize>1</MinSize><MaxSize>10</MaxSize><DesiredCapacity>%d</DesiredCapacity><DefaultCooldown>300</DefaultCooldown>`+
					`<Instances>%s</Instances><HealthCheckType>EC2</HealthCheckType></member></AutoScalingGroups>`, c.desired, b.String()), nil
			},
		}})
	c.Server = httptest.NewServer(c.Q)
	t.Cleanup(c.Close)
	return c
}

// Lag keeps the instances a later SetDesiredCapacity adds Pending until
// Ready.
func (c *asgCloud) Lag() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lag = true
}

// Ready brings every desired instance InService.
func (c *asgCloud) Ready() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lag, c.running = false, c.desired
}

// Reads counts the DescribeAutoScalingGroups calls so far.
func (c *asgCloud) Reads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

// Sets returns the SetDesiredCapacity calls accepted so far.
func (c *asgCloud) Sets() []applied {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]applied(nil), c.sets...)
}
