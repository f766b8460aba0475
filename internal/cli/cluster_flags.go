package cli

import (
	"flag"
	"os"
)

// clusterConfig is how this server names itself among the replicas that
// share one PostgreSQL database (docs/deploy.md).
type clusterConfig struct {
	// replicaID names this replica in leases, the cluster view and self
	// metrics; by default the host name and the listen address, unique
	// for replicas on one host as across hosts.
	replicaID string
	// advertise is the URL this replica serves at, as the cluster view
	// shows it; by default http:// and the bound address.
	advertise string
}

func (c *clusterConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.replicaID, "replica-id", env("UNYO_REPLICA_ID", ""), "this server's name among replicas sharing a PostgreSQL database (env UNYO_REPLICA_ID; default <hostname>/<listen address>)")
	fs.StringVar(&c.advertise, "advertise-url", env("UNYO_ADVERTISE_URL", ""), "the URL this replica serves at, shown to the others in the cluster view (env UNYO_ADVERTISE_URL; default http://<bound address>)")
}

// id is the replica ID, by default the host name and listen.
func (c *clusterConfig) id(listen string) string {
	if c.replicaID != "" {
		return c.replicaID
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return host + "/" + listen
}
