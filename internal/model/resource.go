package model

import (
	"regexp"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Resource is something the MSP watches for a tenant: a host, an app service, a database.
type Resource struct {
	ID        int64             `json:"id"`
	TenantID  string            `json:"tenant"`
	ServiceID *int64            `json:"service_id"`
	Name      string            `json:"name"`
	Kind      string            `json:"kind"`
	Labels    map[string]string `json:"labels"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// ResourceKinds lists the kinds a resource may have.
var ResourceKinds = []string{"host", "app_service", "database", "web", "load_balancer", "network", "storage", "container", "other"}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Validate reports the first field that is not acceptable.
func (r *Resource) Validate() error {
	if err := requireName("name", r.Name); err != nil {
		return err
	}
	if !contains(ResourceKinds, r.Kind) {
		return invalid.New("kind", "must be one of %v, not %q", ResourceKinds, r.Kind)
	}
	return validateLabels("labels", r.Labels)
}

func validateLabels(field string, labels map[string]string) error {
	if len(labels) > 32 {
		return invalid.New(field, "has more than 32 labels")
	}
	for k, v := range labels {
		if !labelNameRE.MatchString(k) || k[0] == '_' && len(k) > 1 && k[1] == '_' {
			return invalid.New(field+"."+k, "is not a valid label name")
		}
		if k == "tenant" {
			return invalid.New(field+"."+k, "is reserved: the tenant label is set by unyo")
		}
		if len(v) > 1024 {
			return invalid.New(field+"."+k, "value is longer than 1024 bytes")
		}
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
