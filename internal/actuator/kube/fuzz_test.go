package kube_test

import (
	"encoding/json"
	"testing"

	"github.com/unyo-ops/unyo/internal/actuator/kube"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// FuzzKubeconfig: a tenant's kubeconfig is refused cleanly, naming the
// field, or yields a client that dials through the given dialer and runs
// nothing: never a panic, never an exec plugin or file kept.
func FuzzKubeconfig(f *testing.F) {
	f.Add([]byte(kubeconfigFor(f, "https://203.0.113.10:6443")))
	f.Add([]byte("apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    exec: {command: sh}\n"))
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rc, err := kube.RESTConfig(data, "", nil)
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("%q: %v, want a refusal naming a field", data, err)
			}
			return
		}
		if rc.ExecProvider != nil || rc.AuthProvider != nil || rc.BearerTokenFile != "" || rc.CertFile != "" || rc.KeyFile != "" || rc.CAFile != "" || rc.Proxy != nil {
			t.Fatalf("%q: a kubeconfig that runs or reads something was taken: %+v", data, rc)
		}
	})
}

// FuzzConfig: a group's kubernetes settings are refused naming a field,
// or name a namespace, a kind and a workload Kubernetes accepts.
func FuzzConfig(f *testing.F) {
	f.Add(`{"namespace":"shop","kind":"Deployment","name":"web"}`)
	f.Add(`{"namespace":"shop","kind":"StatefulSet","name":"db.v2","context":"prod"}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := kube.ParseConfig(json.RawMessage(s))
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if c.Namespace == "" || c.Name == "" || (c.Kind != "Deployment" && c.Kind != "StatefulSet") {
			t.Fatalf("%q accepted as %+v", s, c)
		}
	})
}
