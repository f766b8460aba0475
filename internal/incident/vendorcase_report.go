package incident

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// VendorWaits is one vendor's cases over a period, as the monthly report
// sums them.
type VendorWaits struct {
	Vendor string // as people name it: Microsoft, AWS, or the other vendor's name
	Cases  int    // cases active at some time in the period
	// Waiting is the time the cases spent waiting on the vendor within the
	// period (up to now for a period not yet over).
	Waiting time.Duration
}

// VendorWaitsIn sums the tenant's vendor cases active in [from, to) per
// vendor: how many, and how long they waited on the vendor inside the
// period. Most waited first.
func (s *Desk) VendorWaitsIn(ctx context.Context, tenant string, from, to time.Time) ([]VendorWaits, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT vendor, vendor_name, COUNT(*) FROM vendor_cases
		WHERE tenant_id=? AND opened_at<? AND (closed_at IS NULL OR closed_at>=?) GROUP BY vendor, vendor_name`,
		tenant, database.Millis(to), database.Millis(from))
	if err != nil {
		return nil, fmt.Errorf("incident: unable to sum vendor cases: %w", err)
	}
	defer rows.Close()
	byVendor := map[string]*VendorWaits{}
	for rows.Next() {
		var v Vendor
		var name string
		var n int
		if err := rows.Scan(&v, &name, &n); err != nil {
			return nil, fmt.Errorf("incident: unable to sum vendor cases: %w", err)
		}
		label := vendorLabel(v, name)
		if byVendor[label] == nil {
			byVendor[label] = &VendorWaits{Vendor: label}
		}
		byVendor[label].Cases += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("incident: unable to sum vendor cases: %w", err)
	}
	rows.Close()
	if err := s.addWaits(ctx, s.db, tenant, from, to, byVendor); err != nil {
		return nil, err
	}
	out := make([]VendorWaits, 0, len(byVendor))
	for _, v := range byVendor {
		out = append(out, *v)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Waiting != out[j].Waiting {
			return out[i].Waiting > out[j].Waiting
		}
		return out[i].Vendor < out[j].Vendor
	})
	return out, nil
}

// addWaits adds to each vendor the part of its waits inside [from, to),
// cut at now.
func (s *Desk) addWaits(ctx context.Context, q *sql.DB, tenant string, from, to time.Time, byVendor map[string]*VendorWaits) error {
	waits, err := loadWaits(ctx, database.Writer(q), tenant, 0, from, to)
	if err != nil {
		return err
	}
	end := to
	if now := s.now(); now.Before(end) {
		end = now
	}
	for _, w := range waits {
		start, stop := w.start, w.end
		if stop.IsZero() || stop.After(end) {
			stop = end
		}
		if start.Before(from) {
			start = from
		}
		if !stop.After(start) {
			continue
		}
		label := vendorLabel(w.vendor, w.vendorName)
		if byVendor[label] == nil { // its case overlaps the period, so this is for safety only
			byVendor[label] = &VendorWaits{Vendor: label}
		}
		byVendor[label].Waiting += stop.Sub(start)
	}
	return nil
}
