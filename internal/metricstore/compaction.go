package metricstore

import (
	"context"
	"time"
)

// compactEvery is how often the store compacts the TSDB: the period of the
// TSDB's own loop (tsdb.DB.run, its BlockReloadInterval), which unyo turns
// off so that it knows when the head has been compacted.
const compactEvery = time.Minute

// Compact runs the TSDB's compaction now, as the store's ticker does once a
// minute: the head's oldest chunk range is written to a block while the
// head spans one and a half of it (and the head's symbol table rebuilt
// after), out-of-order samples then go to blocks of their own, blocks are
// merged, and those past the retention deleted. One Compact at a time: the
// head's MinTime, read around it, tells whether this one compacted the head.
func (s *Store) Compact(ctx context.Context) error {
	s.compacting.Lock()
	defer s.compacting.Unlock()
	// Only a head compaction raises the head's MinTime (Head.truncateMemory
	// to the new block's end); appends only lower it, from MaxInt64 when the
	// head is empty. A compaction that fails after writing the head's block
	// has rebuilt the table all the same.
	before := s.db.Head().MinTime()
	err := s.db.Compact(ctx)
	if dedupeLabels && s.db.Head().MinTime() > before {
		s.rebuilds.Add(1)
	}
	return err
}

// compactLoop compacts every period until ctx ends; a failed compaction is
// tried again at the next tick, as the TSDB's loop would at the latest.
func (s *Store) compactLoop(ctx context.Context, every time.Duration) {
	defer close(s.compactDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if ctx.Err() != nil {
			return // both were ready: closing wins
		}
		if err := s.Compact(ctx); err != nil {
			s.logger.Error("metricstore: cannot compact the TSDB", "err", err)
		}
	}
}
