package capacity

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	promstorage "github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

var promParser = parser.NewParser(parser.Options{})

// HostsIn is the HostsFunc over the TSDB: forTenant gives the queryable
// of one tenant's series (metricstore.(*Store).ForTenant). A host counts
// when a series with its host label and the group's selector has a sample
// since the moment asked.
func HostsIn(forTenant func(tenant string) promstorage.Queryable) HostsFunc {
	return func(ctx context.Context, tenant, selector string, since time.Time) (int, error) {
		ms, err := promParser.ParseMetricSelector("{" + selector + "}")
		if err != nil {
			return 0, fmt.Errorf("capacity: host selector: %w", err)
		}
		ms = append(ms, labels.MustNewMatcher(labels.MatchRegexp, "host", ".+"))
		q, err := forTenant(tenant).Querier(since.UnixMilli(), time.Now().UnixMilli())
		if err != nil {
			return 0, fmt.Errorf("capacity: unable to query hosts: %w", err)
		}
		defer q.Close()
		hosts := map[string]bool{}
		set := q.Select(ctx, false, nil, ms...)
		var it chunkenc.Iterator
		for set.Next() {
			s := set.At()
			host := s.Labels().Get("host")
			if hosts[host] {
				continue
			}
			if it = s.Iterator(it); it.Next() != chunkenc.ValNone {
				hosts[host] = true
			}
		}
		return len(hosts), set.Err()
	}
}
