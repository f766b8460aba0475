package remotestore

import (
	"time"

	"github.com/prometheus/prometheus/model/labels"
)

// max_series with a remote store: no TSDB head here counts the series, so
// the forwarder counts what it forwards (limits.Tracker) and refuses a new
// series over the tenant's limit before it is queued, with the error the
// head would give.

// admit counts a series about to be forwarded, or refuses it.
func (s *Store) admit(ls labels.Labels) error {
	if s.opts.Series == nil {
		return nil
	}
	return s.opts.Series.Admit(ls)
}

// expire uncounts idle series until Close.
func (s *Store) expire() {
	defer s.workers.Done()
	every := min(max(s.opts.Series.Idle()/10, time.Second), time.Minute)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			s.opts.Series.Expire()
		case <-s.stop:
			return
		}
	}
}
