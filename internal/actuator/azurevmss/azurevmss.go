// Package azurevmss scales an Azure Virtual Machine Scale Set: Apply sets
// the scale set's sku.capacity, Observe reads the capacity, the VM size
// and the instance view. It is the actuator of kind azure_vmss.
package azurevmss

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// Kind is the Spec.Kind of this actuator.
const Kind = "azure_vmss"

// Config is the kind's settings: the scale set in the account's
// subscription.
type Config struct {
	ResourceGroup string `json:"resource_group"`
	Name          string `json:"name"`
}

var (
	resourceGroup = regexp.MustCompile(`^[-\w._()]{1,90}$`)
	scaleSetName  = regexp.MustCompile(`^[a-zA-Z0-9][-a-zA-Z0-9_.]{0,63}$`)
)

// ParseConfig reads and checks a Spec's Config, naming the field at fault.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, invalid.New("config", "not an azure_vmss configuration: %v", err)
	}
	if !resourceGroup.MatchString(c.ResourceGroup) || strings.HasSuffix(c.ResourceGroup, ".") {
		return c, invalid.New("config.resource_group", "must be a resource group name (1 to 90 letters, digits, -_.())")
	}
	if !scaleSetName.MatchString(c.Name) {
		return c, invalid.New("config.name", "must be a scale set name (1 to 64 letters, digits, -_.)")
	}
	return c, nil
}

// Actuator is one scale set.
type Actuator struct {
	cfg  Config
	sets *armcompute.VirtualMachineScaleSetsClient
}

var _ actuator.Actuator = (*Actuator)(nil)

// New is the actuator.Constructor of azure_vmss: spec.Account names an
// Azure account of tenant, whose service principal needs the Virtual
// Machine Contributor role (or Microsoft.Compute/virtualMachineScaleSets
// read and write) on the scale set.
func New(ctx context.Context, spec actuator.Spec, tenant string, deps actuator.Deps) (actuator.Actuator, error) {
	cfg, err := ParseConfig(spec.Config)
	if err != nil {
		return nil, err
	}
	acc, err := deps.Accounts.Account(ctx, tenant, spec.Account)
	if errors.Is(err, cloudaccount.ErrNotFound) {
		return nil, invalid.New("account_id", "no cloud account %d in this tenant", spec.Account)
	}
	if err != nil {
		return nil, fmt.Errorf("azurevmss: %w", err)
	}
	if acc.Provider != cloudaccount.ProviderAzure {
		return nil, invalid.New("account", "account %q is %s, not azure", acc.Name, acc.Provider)
	}
	az, err := connect.ForAzure(acc.Azure, deps.HTTP)
	if err != nil {
		return nil, fmt.Errorf("azurevmss: %w", err)
	}
	return Open(acc.Azure.SubscriptionID, cfg, az.Credential, az.Options)
}

// Open returns the actuator of the scale set cfg in subscription through
// an ARM client made with cred and opts.
func Open(subscription string, cfg Config, cred azcore.TokenCredential, opts *arm.ClientOptions) (*Actuator, error) {
	sets, err := armcompute.NewVirtualMachineScaleSetsClient(subscription, cred, opts)
	if err != nil {
		return nil, fmt.Errorf("azurevmss: %w", err)
	}
	return &Actuator{cfg: cfg, sets: sets}, nil
}

// Apply asks for count instances: a PATCH of sku.capacity, which Azure
// accepts at once and carries out as a long-running operation. Apply does
// not wait for it; Observe tells when the instances run.
func (a *Actuator) Apply(ctx context.Context, count int) error {
	if count < 0 {
		return invalid.New("count", "must not be negative")
	}
	_, err := a.sets.BeginUpdate(ctx, a.cfg.ResourceGroup, a.cfg.Name, armcompute.VirtualMachineScaleSetUpdate{
		SKU: &armcompute.SKU{Capacity: to.Ptr(int64(count))},
	}, nil)
	return a.fail("set capacity of", err)
}

// Observe reads the scale set's capacity and VM size, and counts from its
// instance view the VMs whose provisioning succeeded (and that run, when
// the summary carries power states).
func (a *Actuator) Observe(ctx context.Context) (actuator.State, error) {
	set, err := a.sets.Get(ctx, a.cfg.ResourceGroup, a.cfg.Name, nil)
	if err != nil {
		return actuator.State{}, a.fail("read", err)
	}
	var st actuator.State
	if set.SKU != nil {
		st.Desired = int(deref(set.SKU.Capacity))
		st.Size = deref(set.SKU.Name)
	}
	view, err := a.sets.GetInstanceView(ctx, a.cfg.ResourceGroup, a.cfg.Name, nil)
	if err != nil {
		return actuator.State{}, a.fail("read the instance view of", err)
	}
	succeeded, running, powers := 0, 0, false
	if view.VirtualMachine != nil {
		for _, c := range view.VirtualMachine.StatusesSummary {
			if c == nil {
				continue
			}
			code, n := strings.ToLower(deref(c.Code)), int(deref(c.Count))
			switch {
			case code == "provisioningstate/succeeded":
				succeeded += n
			case code == "powerstate/running":
				running += n
				powers = true
			case strings.HasPrefix(code, "powerstate/"):
				powers = true
			}
		}
	}
	st.Running = succeeded
	if powers && running < succeeded {
		st.Running = running
	}
	return st, nil
}

// fail maps ARM's answer to the errors the scheduler retries on: 409 (an
// operation runs on the scale set) is ErrBusy, 429 ErrThrottled.
func (a *Actuator) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		where := fmt.Sprintf("azurevmss: %s scale set %s/%s", what, a.cfg.ResourceGroup, a.cfg.Name)
		switch re.StatusCode {
		case http.StatusConflict:
			return fmt.Errorf("%s: %w (%s)", where, actuator.ErrBusy, re.ErrorCode)
		case http.StatusTooManyRequests:
			return fmt.Errorf("%s: %w (%s)", where, actuator.ErrThrottled, re.ErrorCode)
		}
		return fmt.Errorf("%s: %d %s", where, re.StatusCode, re.ErrorCode)
	}
	return fmt.Errorf("azurevmss: %s scale set %s/%s: %w", what, a.cfg.ResourceGroup, a.cfg.Name, err)
}

// deref is *p, or the zero value for nil: ARM leaves out what is unset.
func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
