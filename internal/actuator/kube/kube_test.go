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
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/actuator/kube"
	"github.com/unyo-ops/unyo/internal/outbound"
)

func pod(cpu, mem string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
		{Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}},
		{Name: "sidecar", Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("512Mi")}}},
	}}}
}

// token is the service account token of the kubeconfig the tests write.
const token = "sa-token-of-the-unyo-service-account"

// workloads is an API server holding Deployment shop/web (3 replicas, all
// ready) and StatefulSet shop/db (2, one ready).
func workloads(t *testing.T) *apiServer {
	three, two := int32(3), int32(2)
	s := newAPIServer(token,
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop", ResourceVersion: "10"},
			Spec: appsv1.DeploymentSpec{Replicas: &three, Template: pod("500m", "1Gi")}, Status: appsv1.DeploymentStatus{Replicas: 3, ReadyReplicas: 3}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "shop", ResourceVersion: "20"},
			Spec: appsv1.StatefulSetSpec{Replicas: &two, Template: pod("2", "8Gi")}, Status: appsv1.StatefulSetStatus{Replicas: 2, ReadyReplicas: 1}},
	)
	t.Cleanup(s.Close)
	return s
}

// open builds the actuator of cfg as the server does, from a kubeconfig
// of s (its CA, its address, the token) dialed through an outbound policy
// that allows loopback.
func open(t *testing.T, s *apiServer, cfg string) actuator.Actuator {
	t.Helper()
	return openAs(t, s, cfg, token)
}

func openAs(t *testing.T, s *apiServer, cfg, tok string) actuator.Actuator {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	spec := actuator.Spec{Kind: kube.Kind, Config: json.RawMessage(cfg), Secret: []byte(kubeconfig(s.URL, ca, tok))}
	deps := actuator.Deps{Dial: outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}).DialContext}
	a, err := kube.New(context.Background(), spec, "acme", deps)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestDeployment: the actuator reads replicas from the scale subresource,
// ready replicas and the pod's resources from the Deployment, scales it
// as field manager unyo, and leaves an already reached count alone.
func TestDeployment(t *testing.T) {
	s := workloads(t)
	ctx := context.Background()
	a := open(t, s, `{"namespace":"shop","kind":"Deployment","name":"web"}`)
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
	if u := s.accepted(); len(u) != 1 || u[0] != (update{replicas: 8, fieldManager: "unyo"}) {
		t.Fatalf("scale updates: %+v", u)
	}
	if n := s.replicas("deployments/shop/web"); n != 8 {
		t.Fatalf("deployment replicas: %d", n)
	}
}

// TestStatefulSet: the same through the StatefulSet's scale subresource;
// its ready replicas are the running count. A missing workload is the API
// server's NotFound.
func TestStatefulSet(t *testing.T) {
	s := workloads(t)
	ctx := context.Background()
	a := open(t, s, `{"namespace":"shop","kind":"StatefulSet","name":"db"}`)
	st, err := a.Observe(ctx)
	if err != nil || st != (actuator.State{Desired: 2, Running: 1, Size: "cpu=2250m,memory=8704Mi"}) {
		t.Fatalf("observe = %+v %v", st, err)
	}
	if err := a.Apply(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if n := s.replicas("statefulsets/shop/db"); n != 3 {
		t.Fatalf("statefulset replicas: %d", n)
	}
	if n := s.replicas("deployments/shop/web"); n != 3 {
		t.Fatalf("the deployment changed: %d", n)
	}
	missing := open(t, s, `{"namespace":"shop","kind":"StatefulSet","name":"cache"}`)
	if _, err := missing.Observe(ctx); err == nil || !apierrors.IsNotFound(errors.Unwrap(err)) || !strings.Contains(err.Error(), "StatefulSet shop/cache") {
		t.Fatalf("missing statefulset: %v", err)
	}
	if err := missing.Apply(ctx, 1); err == nil || !apierrors.IsNotFound(errors.Unwrap(err)) {
		t.Fatalf("scaling a missing statefulset: %v", err)
	}
}

// TestConflictAndThrottle: a change made between our read and our write
// is a 409, reported as actuator.ErrBusy and not overwritten; a throttle
// that lasts is actuator.ErrThrottled; a short one (Retry-After) is waited
// out.
func TestConflictAndThrottle(t *testing.T) {
	s := workloads(t)
	ctx := context.Background()
	a := open(t, s, `{"namespace":"shop","kind":"Deployment","name":"web"}`)
	s.set(func(s *apiServer) { s.racer = true })
	if err := a.Apply(ctx, 5); !errors.Is(err, actuator.ErrBusy) || !strings.Contains(err.Error(), "the object has been modified") {
		t.Fatalf("conflict: %v", err)
	}
	if n := s.replicas("deployments/shop/web"); n != 7 {
		t.Fatalf("the other writer's 7 was overwritten: %d", n)
	}
	// Retry-After 0: client-go's retries (it honours Retry-After up to 10
	// times) are immediate, and the throttle outlasts them.
	s.set(func(s *apiServer) { s.racer, s.throttle, s.retryAfter = false, -1, 0 })
	if err := a.Apply(ctx, 5); !errors.Is(err, actuator.ErrThrottled) {
		t.Fatalf("throttled apply: %v", err)
	}
	if _, err := a.Observe(ctx); !errors.Is(err, actuator.ErrThrottled) {
		t.Fatalf("throttled observe: %v", err)
	}
	if n := s.replicas("deployments/shop/web"); n != 7 {
		t.Fatalf("scaled while throttled: %d", n)
	}
	s.set(func(s *apiServer) { s.throttle, s.retryAfter = 1, 1 })
	start := time.Now()
	if err := a.Apply(ctx, 5); err != nil {
		t.Fatalf("apply after one 429 with Retry-After 1: %v", err)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Fatalf("answered after %s, without the Retry-After's second", waited)
	}
	if n := s.replicas("deployments/shop/web"); n != 5 {
		t.Fatalf("replicas after the throttle: %d", n)
	}
}

// TestNoAnswer: an API server that does not answer before the caller's
// deadline is reported as no answer, not left waiting.
func TestNoAnswer(t *testing.T) {
	s := workloads(t)
	a := open(t, s, `{"namespace":"shop","kind":"Deployment","name":"web"}`)
	s.set(func(s *apiServer) { s.hang = true })
	soon := func() context.Context {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		t.Cleanup(cancel)
		return ctx
	}
	if err := a.Apply(soon(), 5); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("apply on a silent API server: %v", err)
	}
	if _, err := a.Observe(soon()); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("observe on a silent API server: %v", err)
	}
	if n := s.replicas("deployments/shop/web"); n != 3 {
		t.Fatalf("replicas changed: %d", n)
	}
}

// kubeconfig is a kubeconfig of cluster prod at server, trusting the CA
// caPEM, with a service account token.
func kubeconfig(server string, caPEM []byte, tok string) string {
	return `apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: ` + server + `
    certificate-authority-data: ` + base64.StdEncoding.EncodeToString(caPEM) + `
contexts:
- name: prod
  context: {cluster: prod, user: unyo}
current-context: prod
users:
- name: unyo
  user:
    token: ` + tok + `
`
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
	return kubeconfig(server, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), token)
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
	kc := kubeconfigFor(t, "https://127.0.0.1:6443")
	for bad, field := range map[string]string{
		strings.Replace(kc, "    token: sa-token-of-the-unyo-service-account", "    exec: {apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: [-c, id]}", 1): "exec",
		strings.Replace(kc, "    token: sa-token-of-the-unyo-service-account", "    tokenFile: /var/lib/unyo/secret.key", 1):                                                   "inline",
		strings.Replace(kc, "    server: https://127.0.0.1:6443", "    server: https://127.0.0.1:6443\n    proxy-url: http://127.0.0.1:3128", 1):                               "proxy-url",
		strings.Replace(kc, "    certificate-authority-data:", "    insecure-skip-tls-verify: true\n    x:", 1):                                                                "insecure-skip-tls-verify",
		"":           "secret",
		"not: [yaml": "secret",
	} {
		if _, err := kube.New(ctx, spec(bad), "acme", deps); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("kc refused for %s? %v", field, err)
		}
	}
	a, err := kube.New(ctx, spec(kc), "acme", deps)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Observe(ctx); err == nil || !strings.Contains(err.Error(), "--outbound-allow") {
		t.Fatalf("loopback API server through the default policy: %v", err)
	}
	allowed := actuator.Deps{Dial: outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}).DialContext}
	rc, err := kube.RESTConfig([]byte(kc), "", allowed.Dial)
	if err != nil || rc.Host != "https://127.0.0.1:6443" || rc.BearerToken != "sa-token-of-the-unyo-service-account" || rc.Dial == nil {
		t.Fatalf("rest config: %+v %v", rc, err)
	}
	if _, err := kube.RESTConfig([]byte(kc), "staging", allowed.Dial); err == nil || !strings.Contains(err.Error(), "config.context") {
		t.Fatalf("unknown context: %v", err)
	}
	s := workloads(t)
	if _, err := openAs(t, s, `{"namespace":"shop","kind":"Deployment","name":"web"}`, "a-revoked-token").Observe(ctx); err == nil || !apierrors.IsUnauthorized(errors.Unwrap(err)) {
		t.Fatalf("a token the API server refuses: %v", err)
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
