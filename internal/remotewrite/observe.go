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
func (h *Handler) SetObserver(o Observer) {
	h.observer = o
	h.seen.New = func() any { return new([]observed) }
}

// observed is the last sample of one series of a request.
type observed struct {
	lset labels.Labels
	t    int64
	v    float64
}

// seenBuffer returns an empty buffer from the pool.
func (h *Handler) seenBuffer() *[]observed {
	p := h.seen.Get().(*[]observed)
	clear(*p) // drop the label sets of the previous request
	*p = (*p)[:0]
	return p
}

// observe hands the committed request's last samples to the observer.
func (h *Handler) observe(tenant string, seen []observed) {
	for _, o := range seen {
		h.observer(tenant, o.lset, o.t, o.v)
	}
}
