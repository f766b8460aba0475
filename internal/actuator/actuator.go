// Package actuator is the one small interface through which an operation
// plan changes the size of a capacity group, whatever runs it: an Azure VM
// Scale Set, an AWS Auto Scaling group, a Kubernetes Deployment or
// StatefulSet, a command, or a person. Each platform is a subpackage; the
// capacity package drives them and never imports a cloud SDK.
package actuator

import (
	"context"
	"encoding/json"
	"errors"
)

// Actuator sets and reads back the instance count of one group.
type Actuator interface {
	// Apply asks the platform for count instances. It returns once the
	// platform accepted the request, not once the instances run: the
	// caller verifies with Observe. Applying the count already asked for
	// is harmless.
	Apply(ctx context.Context, count int) error
	// Observe reads what the platform runs now.
	Observe(ctx context.Context) (State, error)
}

// State is a group as its platform reports it.
type State struct {
	Desired int    // the count the platform is asked to hold
	Running int    // instances running and healthy (ready replicas, InService instances, succeeded VMs)
	Size    string // the instance size: VM SKU, instance type, or the pod's resources
}

// Spec is what a capacity group stores about its actuator: the kind, the
// kind's settings as JSON, and the cloud account it uses, if any.
type Spec struct {
	Kind    string          // azure_vmss, aws_asg, kubernetes, command, manual
	Config  json.RawMessage // the kind's settings, e.g. {"resource_group":"rg","name":"web"}
	Account int64           // a cloudaccount ID for azure_vmss and aws_asg; 0 otherwise
	Secret  []byte          // a kind's own secret, opened (the kubeconfig of kubernetes)
}

// Errors an actuator returns so that the scheduler can choose to retry.
var (
	// ErrBusy: the platform refuses while another change runs
	// (AWS ScalingActivityInProgress, an Azure 409 on the scale set).
	ErrBusy = errors.New("actuator: a scaling activity is in progress")
	// ErrThrottled: the platform asks to slow down (429, Throttling).
	ErrThrottled = errors.New("actuator: throttled by the platform")
)
