package api

import (
	"context"
	"fmt"
	"net/http"
)

// OnTenantDelete adds what must go with a deleted tenant outside the
// database, e.g. its series in the TSDB: a tenant created later with the
// same ID must not inherit them. Call it before serving.
func (a *API) OnTenantDelete(f func(ctx context.Context, tenant string) error) {
	a.onTenantDelete = append(a.onTenantDelete, f)
}

// deleteTenantData runs the OnTenantDelete functions of an existing tenant,
// before its row goes: should one fail, the tenant stays, and deleting it
// again retries, so its ID is never free while its data remains.
func (a *API) deleteTenantData(r *http.Request, tenant string) error {
	if _, err := a.store.Tenant(r.Context(), tenant); err != nil {
		return err
	}
	for _, f := range a.onTenantDelete {
		if err := f(r.Context(), tenant); err != nil {
			return fmt.Errorf("api: cannot delete the data of tenant %q: %w", tenant, err)
		}
	}
	return nil
}
