package remotewrite

import (
	"github.com/prometheus/prometheus/model/labels"
)

// Observer is told of the last float sample of every series of a request,
// after the request's samples are committed, with the stored label set
// (tenant label included). It runs on the request's goroutine and must be
// quick: the alert engine looks the series up and queues what it watches.
type Observer func(tenant string, lset labels.Labels, t int64, v float64)

// SetObserver sets the observer; call it before the handler serves. With
// none set, the request path is what it was without observers.
func (h *Handler) SetObserver(o Observer) { h.observer = o }

// observe hands the committed request to the observer. The label sets come
// from the series cache the append just filled; a series evicted since is
// rebuilt.
func (h *Handler) observe(tenant string, req *Request) {
	var b labels.ScratchBuilder
	for i := range req.Series {
		s := &req.Series[i]
		if len(s.Samples) == 0 {
			continue
		}
		var lset labels.Labels
		if e := h.cache.get(cacheKey(tenant, s.Raw), tenant, s.Raw); e != nil {
			lset = e.lset
		} else {
			var err error
			if lset, err = tenantLabels(tenant, s, &b); err != nil {
				continue
			}
		}
		last := s.Samples[len(s.Samples)-1]
		h.observer(tenant, lset, last.Timestamp, last.Value)
	}
}
