// Package cloudtype is the catalogue of the cloud resource types unyo
// knows: how discovery names and labels a resource of each type, which
// platform metrics the metric poller pulls for it and under which series
// names, and which built-in template watches it. Discovery, the metric
// pollers and the templates all read this one table, so a series name is
// written once.
package cloudtype

import (
	"strings"
	"time"
)

// Provider names a cloud, as cloudaccount.Provider does.
type Provider string

// The providers.
const (
	Azure Provider = "azure"
	AWS   Provider = "aws"
)

// The labels discovery puts on every resource it registers. Tags become
// labels named TagPrefix + the tag key in snake case.
const (
	LabelCloud         = "cloud"          // azure or aws
	LabelType          = "cloud_type"     // Type.Short, e.g. lb, sql_database, vpn_gateway
	LabelID            = "cloud_id"       // the ARM resource ID or the ARN: the key discovery matches on
	LabelAccount       = "cloud_account"  // the unyo cloud account's ID
	LabelRegion        = "region"         // e.g. japaneast, ap-northeast-1
	LabelResourceGroup = "resource_group" // Azure only
	LabelSubscription  = "subscription"   // Azure only
	LabelAWSAccount    = "aws_account"    // AWS only: the 12-digit account
	LabelGone          = "cloud_gone"     // set, to the RFC 3339 time it was missed, when the cloud no longer lists it
	TagPrefix          = "tag_"
)

// Type is one kind of cloud resource.
type Type struct {
	Provider Provider
	// Name is the provider's type: the ARM type for Azure
	// (Microsoft.Network/loadBalancers; compared case-insensitively), the
	// Resource Groups Tagging API's service:resource-type for AWS
	// (elasticloadbalancing:loadbalancer/app).
	Name string
	// Short names the type in series names and the cloud_type label.
	Short string
	// Kind is the unyo resource kind (model.ResourceKinds).
	Kind string
	// Template is the key of the built-in template assigned to resources
	// of this type (by the selector cloud_type=<Short>); "" when none.
	Template string
	// Namespace is the Azure Monitor metric namespace (usually Name) or
	// the CloudWatch namespace (AWS/ApplicationELB).
	Namespace string
	// Dimension is, for CloudWatch, the dimension that names the resource
	// (LoadBalancer, DBInstanceIdentifier, InstanceId...), and how its
	// value is taken from the ARN is the poller's business.
	Dimension string
	Metrics   []Metric
	// Note says, for the documentation, why a type has no metrics or no
	// template.
	Note string
}

// Metric is one platform metric pulled for every resource of a type.
type Metric struct {
	Name        string // the provider's name: VipAvailability, dtu_consumption_percent, HealthyHostCount
	Aggregation string // Azure: Average, Total, Maximum, Minimum, Count; CloudWatch statistic: Average, Sum, Maximum, Minimum, SampleCount; "" with a Source
	// Source is "" for the provider's metrics API (Azure Monitor,
	// CloudWatch), or names another API the metric is computed from
	// (SourceAVDSessionHosts): a state read at each pull, not a series the
	// provider keeps, so it has no aggregation and no ingestion delay.
	Source string
	Series string        // the unyo series: <provider>_<short>_<metric in snake case>[_<aggregation>]
	Unit   string        // for the item list: percent, count, ratio (0-1), bytes, bytes_per_second, bits_per_second, seconds, milliseconds
	Grain  time.Duration // the time grain asked for; 1m when 0
	// Split names the dimensions the metric is split by, each becoming the
	// label LabelName gives it (e.g. Azure's ConnectionName on a VPN
	// gateway's tunnel metrics → connection_name).
	Split []string
}

// SourceAVDSessionHosts computes a metric from an AVD host pool and its
// Resource Manager sessionHosts list.
const SourceAVDSessionHosts = "avd_session_hosts"

// SourceNSGFlowLogs counts a metric from an NSG's flow logs in its
// storage account (internal/flowlog), not from Azure Monitor: the
// metric pollers leave it alone.
const SourceNSGFlowLogs = "nsg_flow_logs"

// Types is the catalogue. Order: network first, as the seeds' MSP watches.
var Types []Type

// Lookup returns the type of provider p named name, case-insensitively.
func Lookup(p Provider, name string) (Type, bool) {
	for _, t := range Types {
		if t.Provider == p && strings.EqualFold(t.Name, name) {
			return t, true
		}
	}
	return Type{}, false
}

// ByShort returns the type whose Short is s.
func ByShort(s string) (Type, bool) {
	for _, t := range Types {
		if t.Short == s {
			return t, true
		}
	}
	return Type{}, false
}
