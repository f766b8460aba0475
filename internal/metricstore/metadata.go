package metricstore

import (
	"slices"
	"sync"
)

// Bounds of the metadata kept per tenant, so that one sender cannot grow it
// without end: families past the first maxMetadataFamilies are not kept, and
// a family keeps its maxMetadataPerFamily latest distinct entries.
const (
	maxMetadataFamilies  = 20_000
	maxMetadataPerFamily = 10
)

// MetricMetadata is what a sender says of a metric family, as the
// Prometheus API's /api/v1/metadata answers it.
type MetricMetadata struct {
	Type string `json:"type"` // counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown
	Help string `json:"help"`
	Unit string `json:"unit"`
}

// metadata is the metric metadata of every tenant, in memory: senders repeat
// it (Prometheus every minute, its metadata send_interval), so a restart
// loses it for that long only, and none of it is worth a disk write.
type metadata struct {
	mu       sync.RWMutex
	byTenant map[string]map[string][]MetricMetadata // tenant, family
}

// SetMetadata records m for the metric family of tenant. An entry already
// known moves to the end, as the latest.
func (s *Store) SetMetadata(tenant, family string, m MetricMetadata) {
	s.meta.mu.Lock()
	defer s.meta.mu.Unlock()
	if s.meta.byTenant == nil {
		s.meta.byTenant = map[string]map[string][]MetricMetadata{}
	}
	fams := s.meta.byTenant[tenant]
	if fams == nil {
		fams = map[string][]MetricMetadata{}
		s.meta.byTenant[tenant] = fams
	}
	list, known := fams[family]
	if !known && len(fams) >= maxMetadataFamilies {
		return
	}
	if i := slices.Index(list, m); i >= 0 {
		list = slices.Delete(list, i, i+1)
	}
	list = append(list, m)
	if len(list) > maxMetadataPerFamily {
		list = list[len(list)-maxMetadataPerFamily:]
	}
	fams[family] = list
}

// AllTenants, as the tenant of Metadata, merges every tenant's metadata.
// It is not a valid tenant ID, so no tenant can name itself so.
const AllTenants = "*"

// Metadata returns tenant's metadata (AllTenants: every tenant's, merged), of
// metric only when it is not empty. limit bounds the families and
// perMetric the entries of each; 0 or less is no bound.
func (s *Store) Metadata(tenant, metric string, limit, perMetric int) map[string][]MetricMetadata {
	s.meta.mu.RLock()
	defer s.meta.mu.RUnlock()
	out := map[string][]MetricMetadata{}
	add := func(fams map[string][]MetricMetadata) {
		for name, list := range fams {
			if metric != "" && name != metric {
				continue
			}
			if _, seen := out[name]; !seen && limit > 0 && len(out) >= limit {
				continue
			}
			for _, m := range list {
				if perMetric > 0 && len(out[name]) >= perMetric {
					break
				}
				if !slices.Contains(out[name], m) {
					out[name] = append(out[name], m)
				}
			}
		}
	}
	if tenant != AllTenants {
		add(s.meta.byTenant[tenant])
		return out
	}
	for _, fams := range s.meta.byTenant {
		add(fams)
	}
	return out
}

// DropMetadata forgets the metadata of tenant, deleted.
func (s *Store) DropMetadata(tenant string) {
	s.meta.mu.Lock()
	defer s.meta.mu.Unlock()
	delete(s.meta.byTenant, tenant)
}
