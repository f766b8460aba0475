package api

import (
	"context"
	"fmt"
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
func (a *API) deleteTenantData(ctx context.Context, tenant string) error {
	if _, err := a.store.Tenant(ctx, tenant); err != nil {
		return err
	}
	for _, f := range a.onTenantDelete {
		if err := f(ctx, tenant); err != nil {
			return fmt.Errorf("api: cannot delete the data of tenant %q: %w", tenant, err)
		}
	}
	return nil
}

// DeleteTenant deletes tenant as DELETE /api/v1/tenants/{tenant} does: its
// data outside the database first (OnTenantDelete), then its row and, by
// cascade, all it owns; its tokens stop working at once. ctx carries the
// audit entry (storage.WithAudit); the caller has checked the right to.
// The console's delete button calls it, so both follow one rule.
func (a *API) DeleteTenant(ctx context.Context, tenant string) error {
	if err := a.deleteTenantData(ctx, tenant); err != nil {
		return err
	}
	if err := a.store.DeleteTenant(ctx, tenant); err != nil {
		return err
	}
	a.authn.ForgetTenant(tenant)
	return nil
}
