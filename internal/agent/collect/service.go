package collect

import (
	"context"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

// Service reports whether a system service runs: a systemd unit on Linux, a
// service of the Service Control Manager on Windows.
type Service struct {
	name   string
	labels []sample.Label
}

// NewService returns a collector for item watching the service name.
func NewService(item, name string) *Service {
	return &Service{name: name, labels: sample.Labels("item", item, "service", name)}
}

// Collect returns unyo_service_up; a service that cannot be queried counts as down.
func (s *Service) Collect(ctx context.Context, now time.Time) ([]sample.Sample, error) {
	running, err := serviceRunning(ctx, s.name)
	up := 0.0
	if running {
		up = 1
	}
	return []sample.Sample{{Name: "unyo_service_up", Labels: s.labels, Value: up, TimeMs: now.UnixMilli()}}, err
}
