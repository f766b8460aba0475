package flowlog

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/cloudtype"
	"github.com/unyo-ops/unyo/internal/storage"
)

// The labels that turn an NSG's flow logs on. Discovery keeps labels a
// person adds, so they survive every discovery run.
const (
	// LabelStorage names the storage account the NSG's flow log writes
	// to: its name, or its ARM ID (/subscriptions/…/storageAccounts/name).
	LabelStorage = "flow_log_storage"
	// LabelVNetFlowLog, when set, is the ARM ID of the VNet flow log
	// (Microsoft.Network/networkWatchers/flowLogs) whose records count
	// for the NSG, instead of the NSG's own (NSG) flow log.
	LabelVNetFlowLog = "flow_log"
)

// NSG is one network security group whose flow logs are read.
type NSG struct {
	Tenant  string
	Account int64  // the cloud account (label cloud_account)
	Name    string // the unyo resource's name: the host label of its series
	ID      string // the NSG's ARM ID (label cloud_id)
	Storage string // the storage account's name
	// FlowLog is the VNet flow log's ARM ID; "" reads the NSG flow log.
	FlowLog string
}

// container and prefix are where Azure writes the NSG's flow logs; the
// hour's folder follows the prefix.
func (n NSG) container() string {
	if n.FlowLog != "" {
		return VNetContainer
	}
	return NSGContainer
}

func (n NSG) prefix() string {
	if n.FlowLog != "" {
		return "flowLogResourceID=" + strings.ToUpper(n.FlowLog) + "/"
	}
	return "resourceId=" + strings.ToUpper(n.ID) + "/"
}

// accountName is a storage account's name: 3 to 24 lower-case letters
// and digits.
var accountName = regexp.MustCompile(`^[a-z0-9]{3,24}$`)

// StorageAccount returns the storage account's name in v, a name or an
// ARM ID, and whether it is one.
func StorageAccount(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if i := strings.LastIndex(v, "/"); i >= 0 {
		if !strings.Contains(strings.ToLower(v), "/providers/microsoft.storage/storageaccounts/") {
			return "", false
		}
		v = v[i+1:]
	}
	return v, accountName.MatchString(v)
}

// TargetsIn lists, for every tenant, the NSGs discovery registered (labels
// cloud_type=nsg, cloud_account, cloud_id), still listed by the cloud,
// whose flow log storage account is set.
func TargetsIn(objects *storage.Store) func(ctx context.Context) ([]NSG, error) {
	return func(ctx context.Context) ([]NSG, error) {
		tenants, err := objects.Tenants(ctx, "")
		if err != nil {
			return nil, fmt.Errorf("flowlog: targets: %w", err)
		}
		var out []NSG
		for _, t := range tenants {
			list, err := objects.Resources(ctx, t.ID, storage.ResourceFilter{})
			if err != nil {
				return nil, fmt.Errorf("flowlog: targets of %s: %w", t.ID, err)
			}
			for _, r := range list {
				l := r.Labels
				if l[cloudtype.LabelType] != "nsg" || l[cloudtype.LabelGone] != "" || l[cloudtype.LabelID] == "" ||
					l[cloudtype.LabelCloud] != string(cloudtype.Azure) {
					continue
				}
				acc, err := strconv.ParseInt(l[cloudtype.LabelAccount], 10, 64)
				if err != nil {
					continue
				}
				sa, ok := StorageAccount(l[LabelStorage])
				if !ok {
					continue
				}
				out = append(out, NSG{Tenant: t.ID, Account: acc, Name: r.Name, ID: l[cloudtype.LabelID], Storage: sa,
					FlowLog: strings.TrimSpace(l[LabelVNetFlowLog])})
			}
		}
		return out, nil
	}
}
