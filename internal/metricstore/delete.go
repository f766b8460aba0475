package metricstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
)

// deletedFile lists, in the TSDB directory, the tenants deleted while their
// series may still sit in an index (see deletion).
const deletedFile = "deleted-tenants.json"

// deletion is a deleted tenant whose series may still be named by an index:
// tombstones hide samples from Select, but an index still answers label
// names and values until the head has moved past At and the blocks are
// rewritten (Clean).
type deletion struct {
	At    int64 `json:"at"` // unix millis
	Clean bool  `json:"clean"`
}

// DeleteTenant deletes every series of tenant: a tenant created later with
// the same ID must not read them. The series are invisible to queries when
// it returns (tombstones, kept in the WAL); the blocks holding them are then
// rewritten without them in the background, as that can take long, and
// Close waits for it.
//
// In the head, a tombstone ends at the last sample present, so samples the
// new tenant writes afterwards are seen; a late sample of the new tenant
// older than the deleted ones would be hidden until the head is compacted.
func (s *Store) DeleteTenant(ctx context.Context, tenant string) error {
	m, err := labels.NewMatcher(labels.MatchEqual, TenantLabel, tenant)
	if err != nil {
		return fmt.Errorf("metricstore: cannot delete tenant %q: %w", tenant, err)
	}
	s.mu.Lock()
	s.deleted[tenant] = deletion{At: time.Now().UnixMilli()}
	err = s.saveDeleted()
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("metricstore: cannot delete tenant %q: %w", tenant, err)
	}
	if err := s.db.Delete(ctx, math.MinInt64, math.MaxInt64, m); err != nil {
		return fmt.Errorf("metricstore: cannot delete the series of tenant %q: %w", tenant, err)
	}
	s.meta.mu.Lock()
	delete(s.meta.byTenant, tenant) // what its senders said of their metrics goes too
	s.meta.mu.Unlock()
	s.cleaning.Go(func() {
		if err := s.db.CleanTombstones(); err != nil {
			s.logger.Error("metricstore: cannot rewrite blocks without a deleted tenant's series; queries still skip them", "tenant", tenant, "err", err)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if d, ok := s.deleted[tenant]; ok {
			d.Clean = true
			s.deleted[tenant] = d
			if err := s.saveDeleted(); err != nil {
				s.logger.Warn("metricstore: cannot record a tenant's blocks as rewritten", "err", err)
			}
		}
	})
	return nil
}

// ForTenant returns a queryable that sees only tenant's series. A tenant
// whose ID was deleted and reused gets label names and values from the
// series that still hold samples, so no index entry of the deleted series
// names them.
func (s *Store) ForTenant(tenant string) storage.Queryable {
	if s.reborn(tenant) {
		return scope(s.db, tenant, true)
	}
	return Scope(s.db, tenant)
}

// reborn reports whether an index may still hold deleted series of tenant,
// and forgets deletions that no index can hold any more.
func (s *Store) reborn(tenant string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deleted[tenant]
	if !ok {
		return false
	}
	if d.Clean && s.db.Head().MinTime() > d.At {
		delete(s.deleted, tenant)
		if err := s.saveDeleted(); err != nil {
			s.logger.Warn("metricstore: cannot forget a deleted tenant", "err", err)
		}
		return false
	}
	return true
}

func (s *Store) loadDeleted() error {
	s.deleted = map[string]deletion{}
	data, err := os.ReadFile(filepath.Join(s.db.Dir(), deletedFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(data, &s.deleted)
}

// saveDeleted writes the deletions; callers hold s.mu.
func (s *Store) saveDeleted() error {
	data, err := json.Marshal(s.deleted)
	if err != nil {
		return err
	}
	path := filepath.Join(s.db.Dir(), deletedFile)
	if err := os.WriteFile(path+".tmp", data, 0o600); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
