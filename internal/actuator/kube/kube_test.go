package kube_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/actuator/kube"
	"github.com/unyo-ops/unyo/internal/outbound"
)

// cluster is client-go's fake clientset with the scale subresource served
// as the API server does: GetScale reads the workload's replicas and
// resourceVersion, UpdateScale writes them back only when the
// resourceVersion still matches (409 otherwise), and 429 when throttled.
type cluster struct {
	*fake.Clientset
	mu        sync.Mutex
	throttled bool
	racer     bool // another writer scales between our read and our write
	updates   []int32
}

func newCluster(objs ...runtime.Object) *cluster {
	c := &cluster{Clientset: fake.NewClientset(objs...)}
	for _, res := range []string{"deployments", "statefulsets"} {
		gvr := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: res}
		c.PrependReactor("get", res, func(a k8stesting.Action) (bool, runtime.Object, error) {
			if a.GetSubresource() != "scale" {
				return false, nil, nil
			}
			if c.isThrottled() {
				return true, nil, apierrors.NewTooManyRequests("the API server is throttling", 1)
			}
			name := a.(k8stesting.GetAction).GetName()
			replicas, rv, err := c.read(gvr, a.GetNamespace(), name)
			if err != nil {
				return true, nil, err
			}
			return true, &autoscalingv1.Scale{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: a.GetNamespace(), ResourceVersion: rv},
				Spec: autoscalingv1.ScaleSpec{Replicas: replicas}}, nil
		})
		c.PrependReactor("update", res, func(a k8stesting.Action) (bool, runtime.Object, error) {
			if a.GetSubresource() != "scale" {
				return false, nil, nil
			}
			if c.isThrottled() {
				return true, nil, apierrors.NewTooManyRequests("the API server is throttling", 1)
			}
			sc := a.(k8stesting.UpdateAction).GetObject().(*autoscalingv1.Scale)
			c.mu.Lock()
			racer := c.racer
			c.mu.Unlock()
			if racer {
				c.write(gvr, a.GetNamespace(), sc.Name, 7) // someone else scaled meanwhile
			}
			_, rv, err := c.read(gvr, a.GetNamespace(), sc.Name)
			if err != nil {
				return true, nil, err
			}
			if sc.ResourceVersion != rv {
				return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "apps", Resource: res}, sc.Name,
					errors.New("the object has been modified; please apply your changes to the latest version and try again"))
			}
			c.write(gvr, a.GetNamespace(), sc.Name, sc.Spec.Replicas)
			c.mu.Lock()
			c.updates = append(c.updates, sc.Spec.Replicas)
			c.mu.Unlock()
			return true, sc, nil
		})
	}
	return c
}

func (c *cluster) isThrottled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.throttled
}

// read returns the workload's replicas and resourceVersion from the tracker.
func (c *cluster) read(gvr schema.GroupVersionResource, ns, name string) (int32, string, error) {
	obj, err := c.Tracker().Get(gvr, ns, name)
	if err != nil {
		return 0, "", err
	}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return *o.Spec.Replicas, o.ResourceVersion, nil
	case *appsv1.StatefulSet:
		return *o.Spec.Replicas, o.ResourceVersion, nil
	}
	return 0, "", errors.New("not a workload")
}

// write sets the workload's replicas and bumps its resourceVersion.
func (c *cluster) write(gvr schema.GroupVersionResource, ns, name string, replicas int32) {
	obj, _ := c.Tracker().Get(gvr, ns, name)
	bump := func(m *metav1.ObjectMeta) {
		n, _ := strconv.Atoi(m.ResourceVersion)
		m.ResourceVersion = strconv.Itoa(n + 1)
	}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		o.Spec.Replicas = &replicas
		bump(&o.ObjectMeta)
	case *appsv1.StatefulSet:
		o.Spec.Replicas = &replicas
		bump(&o.ObjectMeta)
	}
	c.Tracker().Update(gvr, obj, ns)
}

func pod(cpu, mem string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}},
		{Name: "sidecar", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("512Mi")}}},
	}}}
}

func workloads() *cluster {
	three, two := int32(3), int32(2)
	return newCluster(
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", ResourceVersion: "10"},
			Spec: appsv1.DeploymentSpec{Replicas: &three, Template: pod("500m", "1Gi")}, Status: appsv1.DeploymentStatus{Replicas: 3, ReadyReplicas: 3}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop", ResourceVersion: "20"},
			Spec: appsv1.StatefulSetSpec{Replicas: &two, Template: pod("2", "8Gi")}, Status: appsv1.StatefulSetStatus{Replicas: 2, ReadyReplicas: 1}},
	)
}

func open(t *testing.T, c *cluster, cfg string) actuator.Actuator {
	t.Helper()
	k, err := kube.ParseConfig(json.RawMessage(cfg))
	if err != nil {
		t.Fatal(err)
	}
	return kube.Open(c, k)
}

// TestDeployment: the actuator reads replicas from the scale subresource,
// ready replicas and the pod's resources from the Deployment, scales it,
// and leaves an already reached count alone.
func TestDeployment(t *testing.T) {
	c := workloads()
	ctx := context.Background()
	a := open(t, c, `{"namespace":"shop","kind":"Deployment","name":"web"}`)
	st, err := a.Observe(ctx)
	if err != nil || st != (actuator.State{Desired: 3, Running: 3, Size: "cpu=750m,memory=1536Mi"}) {
		t.Fatalf("observe = %+v %v", st, err)
	}
	if err := a.Apply(ctx, 8); err != nil {
		t.Fatal(err)
	}
	st, err = a.Observe(ctx)
	if err != nil || st.Desired != 8 || st.Running != 3 {
		t.Fatalf("after apply, pods not ready yet: %+v %v", st, err)
	}
	if err := a.Apply(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if len(c.updates) != 1 || c.updates[0] != 8 {
		t.Fatalf("scale updates: %v", c.updates)
	}
}

// TestStatefulSet: the same through the StatefulSet's scale subresource;
// its ready replicas are the running count.
func TestStatefulSet(t *testing.T) {
	c := workloads()
	ctx := context.Background()
	a := open(t, c, `{"namespace":"shop","kind":"StatefulSet","name":"db"}`)
	st, err := a.Observe(ctx)
	if err != nil || st != (actuator.State{Desired: 2, Running: 1, Size: "cpu=2250m,memory=8704Mi"}) {
		t.Fatalf("observe = %+v %v", st, err)
	}
	if err := a.Apply(ctx, 3); err != nil {
		t.Fatal(err)
	}
	ss, _ := c.AppsV1().StatefulSets("shop").Get(ctx, "db", metav1.GetOptions{})
	if *ss.Spec.Replicas != 3 {
		t.Fatalf("statefulset replicas: %d", *ss.Spec.Replicas)
	}
	if _, err := open(t, c, `{"namespace":"shop","kind":"StatefulSet","name":"cache"}`).Observe(ctx); err == nil || !apierrors.IsNotFound(errors.Unwrap(err)) {
		t.Fatalf("missing statefulset: %v", err)
	}
}

// TestConflictAndThrottle: a change made between our read and our write
// is a 409, reported as actuator.ErrBusy and not overwritten; a 429 is
// actuator.ErrThrottled.
func TestConflictAndThrottle(t *testing.T) {
	c := workloads()
	ctx := context.Background()
	a := open(t, c, `{"namespace":"shop","kind":"Deployment","name":"web"}`)
	c.racer = true
	if err := a.Apply(ctx, 5); !errors.Is(err, actuator.ErrBusy) {
		t.Fatalf("conflict: %v", err)
	}
	d, _ := c.AppsV1().Deployments("shop").Get(ctx, "web", metav1.GetOptions{})
	if *d.Spec.Replicas != 7 {
		t.Fatalf("the other writer's 7 was overwritten: %d", *d.Spec.Replicas)
	}
	c.racer, c.throttled = false, true
	if err := a.Apply(ctx, 5); !errors.Is(err, actuator.ErrThrottled) {
		t.Fatalf("throttled apply: %v", err)
	}
	if _, err := a.Observe(ctx); !errors.Is(err, actuator.ErrThrottled) {
		t.Fatalf("throttled observe: %v", err)
	}
}

// kubeconfigFor is a kubeconfig of cluster prod at server, with a
// freshly made CA and a service account token.
func kubeconfigFor(t testing.TB, server string) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "k3s-server-ca"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: ` + server + `
    certificate-authority-data: ` + ca + `
contexts:
- name: prod
  context: {cluster: prod, user: unyo}
current-context: prod
users:
- name: unyo
  user:
    token: sa-token-of-the-unyo-service-account
`
}

// TestKubeconfig: New takes the sealed kubeconfig, refuses one that would
// run a command or read a file on the unyo server, and dials the API
// server through the outbound policy, which refuses loopback by default.
func TestKubeconfig(t *testing.T) {
	ctx := context.Background()
	spec := func(kc string) actuator.Spec {
		return actuator.Spec{Kind: kube.Kind, Config: json.RawMessage(`{"namespace":"shop","kind":"Deployment","name":"web"}`), Secret: []byte(kc)}
	}
	deps := actuator.Deps{Dial: outbound.New(nil).DialContext}
	kubeconfig := kubeconfigFor(t, "https://127.0.0.1:6443")
	for bad, field := range map[string]string{
		strings.Replace(kubeconfig, "    token: sa-token-of-the-unyo-service-account", "    exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: [-c, id]}", 1): "exec",
		strings.Replace(kubeconfig, "    token: sa-token-of-the-unyo-service-account", "    tokenFile: /var/lib/unyo/secret.key", 1):                                                   "inline",
		strings.Replace(kubeconfig, "    server: https://127.0.0.1:6443", "    server: https://127.0.0.1:6443\n    proxy-url: http://127.0.0.1:3128", 1):                               "proxy-url",
		strings.Replace(kubeconfig, "    certificate-authority-data:", "    insecure-skip-tls-verify: true\n    x:", 1):                                                                "insecure-skip-tls-verify",
		"":           "secret",
		"not: [yaml": "secret",
	} {
		if _, err := kube.New(ctx, spec(bad), "acme", deps); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("kubeconfig refused for %s? %v", field, err)
		}
	}
	a, err := kube.New(ctx, spec(kubeconfig), "acme", deps)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Observe(ctx); err == nil || !strings.Contains(err.Error(), "--outbound-allow") {
		t.Fatalf("loopback API server through the default policy: %v", err)
	}
	allowed := actuator.Deps{Dial: outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}).DialContext}
	rc, err := kube.RESTConfig([]byte(kubeconfig), "", allowed.Dial)
	if err != nil || rc.Host != "https://127.0.0.1:6443" || rc.BearerToken != "sa-token-of-the-unyo-service-account" || rc.Dial == nil {
		t.Fatalf("rest config: %+v %v", rc, err)
	}
	if _, err := kube.RESTConfig([]byte(kubeconfig), "staging", allowed.Dial); err == nil || !strings.Contains(err.Error(), "config.context") {
		t.Fatalf("unknown context: %v", err)
	}
	for cfg, field := range map[string]string{
		`{"namespace":"Shop","kind":"Deployment","name":"web"}`:  "config.namespace",
		`{"namespace":"shop","kind":"DaemonSet","name":"web"}`:   "config.kind",
		`{"namespace":"shop","kind":"Deployment","name":"Web_"}`: "config.name",
	} {
		if _, err := kube.ParseConfig(json.RawMessage(cfg)); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("config %s: %v", cfg, err)
		}
	}
}
