package actuator

import (
	"context"
	"net"
	"net/http"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
)

// Deps is what the server hands every platform's constructor: the cloud
// accounts, and the way out to the network. Both HTTP and Dial go through
// the outbound policy (internal/outbound), so a group's settings or a
// tenant's kubeconfig cannot point unyo at the MSP's own network.
type Deps struct {
	Accounts cloudaccount.Resolver
	HTTP     *http.Client                                                      // the outbound policy's client
	Dial     func(ctx context.Context, network, addr string) (net.Conn, error) // the outbound policy's dialer, for clients that dial themselves
}

// Constructor builds the actuator of one capacity group of tenant from
// its Spec. The cloud kinds resolve spec.Account in tenant when they are
// built, so an account of another tenant is not found. Each subpackage's
// New is one (azurevmss.New, awsasg.New, kube.New); the server keeps a
// map of them by Spec.Kind.
type Constructor func(ctx context.Context, spec Spec, tenant string, deps Deps) (Actuator, error)
