package kube

import (
	"context"
	"errors"
	"net"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// New is the actuator.Constructor of kubernetes: spec.Secret is the
// kubeconfig (opened), spec.Account is not used. Its credentials must be
// inline (a token, client certificate data or a password): a kubeconfig
// that runs a command (exec, auth-provider) or reads a file of the server
// is refused, since it comes from a tenant. The API server is dialed
// through deps.Dial, the outbound policy.
func New(_ context.Context, spec actuator.Spec, tenant string, deps actuator.Deps) (actuator.Actuator, error) {
	cfg, err := ParseConfig(spec.Config)
	if err != nil {
		return nil, err
	}
	if len(spec.Secret) == 0 {
		// A group's settings are checked before its kubeconfig is stored:
		// not a refusal of the settings, but no actuator either.
		return nil, errNoKubeconfig
	}
	rc, err := RESTConfig(spec.Secret, cfg.Context, deps.Dial)
	if err != nil {
		return nil, err
	}
	a, err := Open(rc, cfg)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// errNoKubeconfig: the group has no kubeconfig (yet).
var errNoKubeconfig = errors.New("kube: the group has no kubeconfig: set it as the group's secret")

// RESTConfig reads a tenant's kubeconfig, refuses what would run or read
// something on the server, and returns the client configuration of
// context (the current one when empty) dialing through dial.
func RESTConfig(kubeconfig []byte, context string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*rest.Config, error) {
	if len(kubeconfig) == 0 {
		return nil, invalid.New("secret", "the kubeconfig is required")
	}
	kc, err := clientcmd.Load(kubeconfig)
	if err != nil {
		return nil, invalid.New("secret", "not a kubeconfig: %v", err)
	}
	if err := safe(kc); err != nil {
		return nil, err
	}
	if context != "" {
		if _, ok := kc.Contexts[context]; !ok {
			return nil, invalid.New("config.context", "the kubeconfig has no context %q", context)
		}
	}
	rc, err := clientcmd.NewNonInteractiveClientConfig(*kc, context, &clientcmd.ConfigOverrides{}, nil).ClientConfig()
	if err != nil {
		return nil, invalid.New("secret", "kubeconfig: %v", err)
	}
	rc.Dial = dial
	rc.Timeout = requestTimeout
	rc.UserAgent = "unyo"
	return rc, nil
}

// safe refuses the parts of a kubeconfig that act on the server unyo runs
// on: commands (exec plugins, auth providers), files, and proxies that
// would dial around the outbound policy.
func safe(kc *clientcmdapi.Config) error {
	for name, u := range kc.AuthInfos {
		field := "secret.users." + name
		switch {
		case u.Exec != nil:
			return invalid.New(field+".exec", "credential plugins run a command on the unyo server: use a token or client certificate data")
		case u.AuthProvider != nil:
			return invalid.New(field+".auth-provider", "auth providers are not supported: use a token or client certificate data")
		case u.ClientCertificate != "" || u.ClientKey != "" || u.TokenFile != "":
			return invalid.New(field, "must hold its credentials inline (client-certificate-data, client-key-data, token), not as file paths")
		}
	}
	for name, c := range kc.Clusters {
		field := "secret.clusters." + name
		switch {
		case c.CertificateAuthority != "":
			return invalid.New(field+".certificate-authority", "must be inline (certificate-authority-data), not a file path")
		case c.ProxyURL != "":
			return invalid.New(field+".proxy-url", "is not supported: the API server is dialed through the outbound policy")
		case c.InsecureSkipTLSVerify:
			return invalid.New(field+".insecure-skip-tls-verify", "would send the credentials to whoever answers: give certificate-authority-data")
		}
	}
	return nil
}
