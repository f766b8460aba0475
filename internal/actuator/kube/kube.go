// Package kube scales a Kubernetes Deployment or StatefulSet through its
// scale subresource, as `kubectl scale` does, and reads its ready
// replicas back. It is the actuator of kind kubernetes; the cluster is
// reached with the kubeconfig sealed in the group's Spec.
package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// Kind is the Spec.Kind of this actuator.
const Kind = "kubernetes"

// Config is the kind's settings: the workload, and the kubeconfig context
// to use when not its current one.
type Config struct {
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"` // Deployment or StatefulSet
	Name      string `json:"name"`
	Context   string `json:"context,omitempty"`
}

// dnsLabel and dnsSubdomain are the names Kubernetes gives namespaces and
// workloads.
var (
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	dnsSubdomain = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)
)

// ParseConfig reads and checks a Spec's Config, naming the field at fault.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, invalid.New("config", "not a kubernetes configuration: %v", err)
	}
	if !dnsLabel.MatchString(c.Namespace) {
		return c, invalid.New("config.namespace", "must be a namespace name (lower-case letters, digits and '-')")
	}
	if !slices.Contains([]string{"Deployment", "StatefulSet"}, c.Kind) {
		return c, invalid.New("config.kind", "must be Deployment or StatefulSet")
	}
	if !dnsSubdomain.MatchString(c.Name) {
		return c, invalid.New("config.name", "must be a workload name (lower-case letters, digits, '-' and '.')")
	}
	return c, nil
}

// Actuator is one workload, reached through client-go's REST client of the
// apps/v1 group.
type Actuator struct {
	cfg    Config
	client rest.Interface
}

var _ actuator.Actuator = (*Actuator)(nil)

// Open returns the actuator of the workload cfg on the API server of rc.
func Open(rc *rest.Config, cfg Config) (*Actuator, error) {
	client, err := appsClient(rc)
	if err != nil {
		return nil, err
	}
	return &Actuator{cfg: cfg, client: client}, nil
}

// resource is the workload's resource in apps/v1.
func (a *Actuator) resource() string {
	if a.cfg.Kind == "StatefulSet" {
		return "statefulsets"
	}
	return "deployments"
}

// get reads the workload (no subresource) or its scale into obj.
func (a *Actuator) get(ctx context.Context, obj runtime.Object, subresource ...string) error {
	return a.client.Get().Namespace(a.cfg.Namespace).Resource(a.resource()).Name(a.cfg.Name).
		SubResource(subresource...).Do(ctx).Into(obj)
}

// requestTimeout bounds one call to the API server.
const requestTimeout = 30 * time.Second

// Apply sets the workload's replicas through the scale subresource, with
// the resourceVersion it read: a change made meanwhile by someone else is
// a conflict (ErrBusy), not overwritten. The count already set is left
// alone.
func (a *Actuator) Apply(ctx context.Context, count int) error {
	if count < 0 {
		return invalid.New("count", "must not be negative")
	}
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	var sc autoscalingv1.Scale
	if err := a.get(ctx, &sc, "scale"); err != nil {
		return a.fail("read the scale of", err)
	}
	if sc.Spec.Replicas == int32(count) {
		return nil
	}
	sc.Spec.Replicas = int32(count)
	err := a.client.Put().Namespace(a.cfg.Namespace).Resource(a.resource()).Name(a.cfg.Name).SubResource("scale").
		Param("fieldManager", "unyo").Body(&sc).Do(ctx).Error()
	return a.fail("scale", err)
}

// Observe reads the replicas asked for from the scale subresource and the
// ready replicas and pod resources from the workload.
func (a *Actuator) Observe(ctx context.Context) (actuator.State, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	var sc autoscalingv1.Scale
	if err := a.get(ctx, &sc, "scale"); err != nil {
		return actuator.State{}, a.fail("read the scale of", err)
	}
	st := actuator.State{Desired: int(sc.Spec.Replicas)}
	var pod corev1.PodSpec
	if a.cfg.Kind == "StatefulSet" {
		var ss appsv1.StatefulSet
		if err := a.get(ctx, &ss); err != nil {
			return actuator.State{}, a.fail("read", err)
		}
		st.Running, pod = int(ss.Status.ReadyReplicas), ss.Spec.Template.Spec
	} else {
		var d appsv1.Deployment
		if err := a.get(ctx, &d); err != nil {
			return actuator.State{}, a.fail("read", err)
		}
		st.Running, pod = int(d.Status.ReadyReplicas), d.Spec.Template.Spec
	}
	st.Size = podSize(pod)
	return st, nil
}

// podSize is what one replica asks for: the sum of its containers' CPU and
// memory requests (their limits where a container requests nothing), e.g.
// "cpu=750m,memory=1536Mi".
func podSize(p corev1.PodSpec) string {
	var cpu, mem resource.Quantity
	for _, c := range p.Containers {
		r := c.Resources.Requests
		if len(r) == 0 {
			r = c.Resources.Limits
		}
		if q, ok := r[corev1.ResourceCPU]; ok {
			cpu.Add(q)
		}
		if q, ok := r[corev1.ResourceMemory]; ok {
			mem.Add(q)
		}
	}
	var parts []string
	if !cpu.IsZero() {
		parts = append(parts, "cpu="+cpu.String())
	}
	if !mem.IsZero() {
		parts = append(parts, "memory="+mem.String())
	}
	return strings.Join(parts, ",")
}

// fail maps the API server's answer: 409 (the object changed since it was
// read) is ErrBusy, 429 ErrThrottled.
func (a *Actuator) fail(what string, err error) error {
	if err == nil {
		return nil
	}
	where := fmt.Sprintf("kube: %s %s %s/%s", what, a.cfg.Kind, a.cfg.Namespace, a.cfg.Name)
	switch {
	case apierrors.IsConflict(err):
		return fmt.Errorf("%s: %w (%v)", where, actuator.ErrBusy, err)
	case apierrors.IsTooManyRequests(err):
		return fmt.Errorf("%s: %w (%v)", where, actuator.ErrThrottled, err)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: no answer within %s: %w", where, requestTimeout, err)
	}
	return fmt.Errorf("%s: %w", where, err)
}
