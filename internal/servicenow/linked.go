package servicenow

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
)

// Link is the ServiceNow record of a unyo record, for its page.
type Link struct {
	Table  string `json:"table"`
	SysID  string `json:"sys_id"`
	Number string `json:"number"`
	URL    string `json:"url"` // the record in the instance's UI
}

// Linked returns the ServiceNow record of tenant's record kind/id, nil when
// it has none (not synced, or not yet).
func (c *Configs) Linked(ctx context.Context, tenant string, kind Kind, id int64) (*Link, error) {
	var l Link
	var instance string
	err := c.db.QueryRowContext(ctx, `SELECT r.sn_table, r.sys_id, r.number, c.instance_url FROM servicenow_records r
		JOIN servicenow_configs c ON c.tenant_id = r.tenant_id WHERE r.tenant_id=? AND r.kind=? AND r.record_id=?`, tenant, kind, id).
		Scan(&l.Table, &l.SysID, &l.Number, &instance)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("servicenow: unable to read the record's link: %w", err)
	}
	l.URL = instance + "/nav_to.do?uri=" + url.QueryEscape(l.Table+".do?sys_id="+l.SysID)
	return &l, nil
}
