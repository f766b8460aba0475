package snmptrap

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/collector"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/request"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/snmp"
	"github.com/unyo-ops/unyo/internal/snmp/trap"
)

//go:embed openapi_paths.json
var openAPIPaths []byte

// Bounds of a forwarded batch: a collector sends one trap per record.
const (
	maxForwarded = 1000
	maxPacket    = 65535
	maxBody      = 8 << 20
)

// CollectorDevices lists the snmp items of the resources of tenant behind
// the collector name: monitoring.Store.SNMPTargetsIn with that scope.
type CollectorDevices func(ctx context.Context, tenant, collector string) ([]snmp.Target, error)

// Handlers serve the traps collectors forward.
type Handlers struct {
	devices CollectorDevices
	intake  Intake
	authz   route.Authorizer
	logger  *slog.Logger
	now     func() time.Time
}

// NewHandlers returns the forwarded-traps API; authz names the tenant of
// the caller's token (monitoring.CallerTenant).
func NewHandlers(devices CollectorDevices, intake Intake, authz route.Authorizer, logger *slog.Logger) *Handlers {
	if logger == nil {
		logger = slog.Default()
	}
	return &Handlers{devices: devices, intake: intake, authz: authz, logger: logger, now: time.Now}
}

// Routes is the route table; openapi_paths.json lists exactly these.
func (h *Handlers) Routes() []route.Route {
	return []route.Route{{Method: "POST", Path: collector.TrapsPath, Handler: h.forwarded}}
}

// OpenAPI returns the document fragment of Routes.
func (h *Handlers) OpenAPI() []byte { return openAPIPaths }

// ForwardResult is the answer to a collector: how many traps became
// alerts, and why the others were dropped.
type ForwardResult struct {
	Accepted int            `json:"accepted"`
	Dropped  map[string]int `json:"dropped"`
}

// forwarded takes the traps a collector received. Each is decoded again
// against the devices of the caller's tenant behind that collector, with
// the host the collector matched: the collector's token can raise alerts
// only on the devices behind it, with their credentials. A trap that does
// not pass is dropped and counted in the answer, not refused: the
// collector's buffer must not retry it for ever. A failure to store the
// alerts is the server's (5xx), and the collector sends them again.
func (h *Handlers) forwarded(w http.ResponseWriter, r *http.Request) {
	response.Serve(w, r, h.authz, model.ScopeCollect, func(tenant string) (int, any, error) {
		var in collector.ForwardedTraps
		if err := request.DecodeJSONLimit(w, r, &in, maxBody); err != nil {
			return 0, nil, err
		}
		if err := validForwarded(&in); err != nil {
			return 0, nil, err
		}
		targets, err := h.devices(r.Context(), tenant, in.Collector)
		if err != nil {
			return 0, nil, fmt.Errorf("snmptrap: cannot list the devices of collector %q: %w", in.Collector, err)
		}
		res := ForwardResult{Dropped: map[string]int{}}
		var signals []alert.Signal
		for _, ft := range in.Traps {
			sender := netip.MustParseAddr(ft.Sender).Unmap() // validForwarded parsed it
			var devices []*trap.Device
			for _, t := range targets {
				if t.Host == ft.Host && t.Tenant == tenant {
					devices = append(devices, &trap.Device{Target: t, Addrs: []netip.Addr{sender}})
				}
			}
			tr, outcome := trap.Decode(ft.Packet, sender, devices)
			if tr == nil {
				res.Dropped[outcome]++
				h.logger.Debug("forwarded snmp trap dropped", "tenant", tenant, "collector", in.Collector, "host", ft.Host, "reason", outcome)
				continue
			}
			at := time.UnixMilli(ft.ReceivedAt)
			if ft.ReceivedAt <= 0 || at.After(h.now()) {
				at = h.now() // a collector's clock ahead of the server's: an alert does not start in the future
			}
			signals = append(signals, Signal(tr, at))
		}
		if len(signals) > 0 {
			if _, err := h.intake(r.Context(), tenant, signals); err != nil {
				return 0, nil, fmt.Errorf("snmptrap: cannot store forwarded traps: %w", err)
			}
		}
		res.Accepted = len(signals)
		return http.StatusOK, res, nil
	})
}

// validForwarded names the first field of in that is not acceptable.
func validForwarded(in *collector.ForwardedTraps) error {
	if in.Collector == "" {
		return invalid.New("collector", "is required: the collector's name (unyo agent --collector NAME)")
	}
	if len(in.Traps) > maxForwarded {
		return invalid.New("traps", "holds %d traps: at most %d a request", len(in.Traps), maxForwarded)
	}
	for i, t := range in.Traps {
		field := func(f string) string { return fmt.Sprintf("traps[%d].%s", i, f) }
		if t.Host == "" {
			return invalid.New(field("host"), "is required: the device's resource")
		}
		if _, err := netip.ParseAddr(t.Sender); err != nil {
			return invalid.New(field("sender"), "must be an IP address, not %q", t.Sender)
		}
		if len(t.Packet) == 0 || len(t.Packet) > maxPacket {
			return invalid.New(field("packet"), "must be an SNMP packet of 1 to %d bytes, base64", maxPacket)
		}
	}
	return nil
}
