// Package kubernetes holds the plain Kubernetes manifests of a unyo
// installation with replicas; this test is their schema check in CI (they
// are not applied to a cluster here).
package kubernetes

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// kinds are the objects the manifests may hold, by apiVersion and kind.
var kinds = map[string]func() any{
	"apps/v1/Deployment":            func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":           func() any { return &appsv1.StatefulSet{} },
	"v1/Service":                    func() any { return &corev1.Service{} },
	"v1/Secret":                     func() any { return &corev1.Secret{} },
	"policy/v1/PodDisruptionBudget": func() any { return &policyv1.PodDisruptionBudget{} },
}

// decodeAll decodes every document of every manifest strictly into its
// k8s.io/api type: an unknown or misspelt field, a wrong type or an
// unknown kind fails.
func decodeAll(t *testing.T) []any {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	var objs []any
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			js, err := yaml.YAMLToJSON([]byte(doc))
			if err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			if string(js) == "null" {
				continue // only comments
			}
			var head struct{ APIVersion, Kind string }
			if err := json.Unmarshal(js, &head); err != nil {
				t.Fatalf("%s document %d: %v", f, i, err)
			}
			mk := kinds[head.APIVersion+"/"+head.Kind]
			if mk == nil {
				t.Fatalf("%s document %d: unexpected %s %s", f, i, head.APIVersion, head.Kind)
			}
			obj := mk()
			dec := json.NewDecoder(bytes.NewReader(js))
			dec.DisallowUnknownFields()
			if err := dec.Decode(obj); err != nil {
				t.Fatalf("%s document %d (%s): %v", f, i, head.Kind, err)
			}
			objs = append(objs, obj)
		}
	}
	return objs
}

// TestManifestsDecodeStrictly: each manifest is valid against the
// Kubernetes API types, and the installation holds together: three unyo
// replicas, ready on /readyz and alive on /healthz, a Service and a
// disruption budget that select them, every secret reference satisfied by
// the example Secret, and VictoriaMetrics with its storage.
func TestManifestsDecodeStrictly(t *testing.T) {
	var deploy *appsv1.Deployment
	var vm *appsv1.StatefulSet
	var pdb *policyv1.PodDisruptionBudget
	services := map[string]*corev1.Service{}
	secrets := map[string]*corev1.Secret{}
	for _, o := range decodeAll(t) {
		switch o := o.(type) {
		case *appsv1.Deployment:
			deploy = o
		case *appsv1.StatefulSet:
			vm = o
		case *policyv1.PodDisruptionBudget:
			pdb = o
		case *corev1.Service:
			services[o.Name] = o
		case *corev1.Secret:
			secrets[o.Name] = o
		}
	}
	if deploy == nil || vm == nil || pdb == nil || services["unyo"] == nil || services["victoriametrics"] == nil {
		t.Fatal("missing the unyo Deployment, Service or PodDisruptionBudget, or VictoriaMetrics' StatefulSet or Service")
	}
	if deploy.Spec.Replicas == nil || *deploy.Spec.Replicas != 3 {
		t.Errorf("unyo replicas = %v, want 3", deploy.Spec.Replicas)
	}
	pod := deploy.Spec.Template.Labels
	for k, v := range deploy.Spec.Selector.MatchLabels {
		if pod[k] != v {
			t.Errorf("the Deployment's selector %s=%s misses its pods", k, v)
		}
	}
	for k, v := range services["unyo"].Spec.Selector {
		if pod[k] != v {
			t.Errorf("the Service's selector %s=%s misses the pods", k, v)
		}
	}
	for k, v := range pdb.Spec.Selector.MatchLabels {
		if pod[k] != v {
			t.Errorf("the PodDisruptionBudget's selector %s=%s misses the pods", k, v)
		}
	}
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() < 1 || pdb.Spec.MinAvailable.IntValue() >= 3 {
		t.Errorf("PodDisruptionBudget minAvailable = %v: want some pods kept and one evictable", pdb.Spec.MinAvailable)
	}
	c := deploy.Spec.Template.Spec.Containers[0]
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Errorf("readiness probe = %+v, want GET /readyz", c.ReadinessProbe)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe = %+v, want GET /healthz", c.LivenessProbe)
	}
	for _, e := range c.Env {
		if e.Value != "" && regexp.MustCompile(`(?i)password|secret`).MatchString(e.Name) {
			t.Errorf("env %s holds a secret in the manifest: use a secretKeyRef", e.Name)
		}
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		s := secrets[ref.Name]
		if s == nil {
			t.Errorf("env %s refers to Secret %q, which no manifest shows", e.Name, ref.Name)
		} else if _, ok := s.StringData[ref.Key]; !ok {
			t.Errorf("env %s refers to key %q of Secret %q, which it lacks", e.Name, ref.Key, ref.Name)
		}
	}
	if len(vm.Spec.VolumeClaimTemplates) == 0 {
		t.Error("VictoriaMetrics has no persistent storage")
	}
}
