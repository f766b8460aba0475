package remotestore

import "fmt"

// Protocol is how raw samples are read from the store for unyo's own PromQL
// engine. Every protocol fetches the samples of the selectors unyo scoped
// (never query text the caller wrote), and every series answered is checked
// against the selector's matchers again.
type Protocol string

// The read protocols of --metrics-read-protocol.
const (
	// Export is VictoriaMetrics' /api/v1/export (JSON lines).
	Export Protocol = "export"
	// RemoteRead is Prometheus remote read (/api/v1/read: snappy protobuf,
	// SAMPLES or STREAMED_XOR_CHUNKS), as Prometheus, Grafana Mimir
	// (…/prometheus/api/v1/read) and Cortex answer it.
	RemoteRead Protocol = "remote-read"
	// QueryAPI is the PromQL HTTP API: an instant query of the selector
	// over a range at its end, whose matrix answer is the raw samples. It is
	// for Thanos Query, which has no remote read.
	QueryAPI Protocol = "query-api"
)

// ParseProtocol reads a --metrics-read-protocol value; "" is the default of
// mode.
func ParseProtocol(s string, mode Mode) (Protocol, error) {
	switch p := Protocol(s); p {
	case Export, RemoteRead, QueryAPI:
		return p, nil
	case "":
		return DefaultProtocol(mode), nil
	}
	return "", fmt.Errorf("remotestore: read protocol %q is not export, remote-read or query-api", s)
}

// DefaultProtocol is the read protocol of the store a tenant mode implies:
// export for VictoriaMetrics (extra_label, accountid), remote read for the
// stores that take X-Scope-OrgID (Mimir, Cortex).
func DefaultProtocol(mode Mode) Protocol {
	if mode == OrgIDHeader {
		return RemoteRead
	}
	return Export
}
