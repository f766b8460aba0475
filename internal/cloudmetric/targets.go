package cloudmetric

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Group is the resources of one cloud account of one tenant: what one
// pull asks its provider for.
type Group struct {
	Tenant    string
	Account   int64
	Resources []*Resource
}

// TargetsIn lists, for every tenant, the resources discovery registered
// (labels cloud_account and cloud_type) whose type the catalogue knows
// and which the cloud still lists (no cloud_gone label), by account.
func TargetsIn(objects *storage.Store) func(ctx context.Context) ([]Group, error) {
	return func(ctx context.Context) ([]Group, error) {
		tenants, err := objects.Tenants(ctx, "")
		if err != nil {
			return nil, fmt.Errorf("cloudmetric: targets: %w", err)
		}
		var out []Group
		for _, t := range tenants {
			list, err := objects.Resources(ctx, t.ID, storage.ResourceFilter{})
			if err != nil {
				return nil, fmt.Errorf("cloudmetric: targets of %s: %w", t.ID, err)
			}
			byAccount := map[int64][]*Resource{}
			for _, r := range list {
				l := r.Labels
				if l[cloudtype.LabelGone] != "" || l[cloudtype.LabelID] == "" {
					continue
				}
				acc, err := strconv.ParseInt(l[cloudtype.LabelAccount], 10, 64)
				if err != nil {
					continue
				}
				typ, ok := cloudtype.ByShort(l[cloudtype.LabelType])
				if !ok || len(typ.Metrics) == 0 || (l[cloudtype.LabelCloud] != "" && l[cloudtype.LabelCloud] != string(typ.Provider)) {
					continue
				}
				byAccount[acc] = append(byAccount[acc], &Resource{Name: r.Name, ID: l[cloudtype.LabelID], Region: l[cloudtype.LabelRegion], Type: typ})
			}
			ids := make([]int64, 0, len(byAccount))
			for id := range byAccount {
				ids = append(ids, id)
			}
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			for _, id := range ids {
				out = append(out, Group{Tenant: t.ID, Account: id, Resources: byAccount[id]})
			}
		}
		return out, nil
	}
}
