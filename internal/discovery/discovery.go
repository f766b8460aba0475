// Package discovery finds the resources of a tenant's cloud accounts and
// registers them as unyo resources, as Zabbix low-level discovery and
// auto-registration do: Azure through Resource Graph, AWS through the
// Resource Groups Tagging API, per account on a schedule and on demand.
//
// Each listed resource of a type in the catalogue (internal/cloudtype)
// that the tenant's rules admit becomes a resource with the catalogue's
// labels and kind, matched on its cloud ID so that it is never registered
// twice; the built-in template of its type is assigned by the selector
// cloud_type=<short>. A resource the cloud no longer lists is labelled
// cloud_gone (not deleted) and its alerts resolve as gone. Health events
// (Azure Resource and Service Health, AWS Health) become alerts on the
// affected resources.
package discovery

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// Found is one resource a cloud listed, of a catalogued type.
type Found struct {
	CloudID       string // the ARM resource ID or the ARN
	Name          string // the name unyo registers it under when new (see NameOf)
	Type          cloudtype.Type
	Region        string
	ResourceGroup string // Azure
	Subscription  string // Azure
	AWSAccount    string // AWS
	Tags          map[string]string
	// InstanceID is a virtual machine's own ID, as its agent reports it in
	// the instance_id label (Azure's vmId, EC2's instance ID): a host the
	// agent registered is adopted rather than registered twice.
	InstanceID string
}

// maxTags bounds the tags kept as labels: a resource holds at most 32
// labels, and the catalogue's own come first.
const maxTags = 20

// Labels are the labels discovery manages on f's resource, for account.
func (f Found) Labels(account int64) map[string]string {
	l := map[string]string{
		cloudtype.LabelCloud:   string(f.Type.Provider),
		cloudtype.LabelType:    f.Type.Short,
		cloudtype.LabelID:      f.CloudID,
		cloudtype.LabelAccount: strconv.FormatInt(account, 10),
	}
	set := func(k, v string) {
		if v != "" {
			l[k] = v
		}
	}
	set(cloudtype.LabelRegion, f.Region)
	set(cloudtype.LabelResourceGroup, f.ResourceGroup)
	set(cloudtype.LabelSubscription, f.Subscription)
	set(cloudtype.LabelAWSAccount, f.AWSAccount)
	keys := slices.Sorted(maps.Keys(f.Tags))
	n := 0
	for _, k := range keys {
		name := TagLabel(k)
		if name == "" || n == maxTags {
			continue
		}
		if _, taken := l[name]; taken {
			continue
		}
		v := f.Tags[k]
		if len(v) > 1024 {
			v = v[:1024]
		}
		l[name] = v
		n++
	}
	return l
}

// TagLabel is the label a cloud tag becomes: tag_ and the key in snake
// case ("CostCenter" → tag_cost_center, "app-tier" → tag_app_tier); "" for
// a key with nothing usable in it.
func TagLabel(key string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range key {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if unicode.IsUpper(r) {
				if prevLower {
					b.WriteByte('_')
				}
				r = unicode.ToLower(r)
				prevLower = false
			} else {
				prevLower = true
			}
			b.WriteRune(r)
		default:
			if s := b.String(); s != "" && !strings.HasSuffix(s, "_") {
				b.WriteByte('_')
			}
			prevLower = false
		}
	}
	s := strings.Trim(b.String(), "_")
	if s == "" {
		return ""
	}
	if len(s) > 100 {
		s = s[:100]
	}
	return cloudtype.TagPrefix + s
}

// managed reports whether label k is discovery's to set and remove; the
// others on a discovered resource are the users' and are kept.
func managed(k string) bool {
	switch k {
	case cloudtype.LabelCloud, cloudtype.LabelType, cloudtype.LabelID, cloudtype.LabelAccount, cloudtype.LabelRegion,
		cloudtype.LabelResourceGroup, cloudtype.LabelSubscription, cloudtype.LabelAWSAccount, cloudtype.LabelGone:
		return true
	}
	return strings.HasPrefix(k, cloudtype.TagPrefix)
}

// SameID reports whether two cloud IDs name one resource: ARM IDs are
// case-insensitive, ARNs are not.
func SameID(a, b string) bool {
	if strings.HasPrefix(a, "/") {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// idKey is the key a cloud ID is matched on.
func idKey(id string) string {
	if strings.HasPrefix(id, "/") {
		return strings.ToLower(id)
	}
	return id
}

// Suffixed is name with a short hash of the cloud ID appended: the name a
// new resource takes when its plain name is held by another resource.
func Suffixed(name, cloudID string) string {
	sum := sha256.Sum256([]byte(idKey(cloudID)))
	return name + "-" + hex.EncodeToString(sum[:])[:6]
}

// azureName is the name of an Azure resource from its ID: the names of
// its type's segments after the provider, joined by "-" (a load balancer
// lb-web; a SQL database sql-prod-01-orders, server then database).
func azureName(id string) string {
	_, rest, ok := cutFold(id, "/providers/")
	if !ok {
		return ""
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if len(parts) < 3 {
		return ""
	}
	var names []string
	for i := 2; i < len(parts); i += 2 {
		names = append(names, parts[i])
	}
	return strings.Join(names, "-")
}

// cutFold is strings.Cut ignoring case.
func cutFold(s, sep string) (string, string, bool) {
	i := strings.Index(strings.ToLower(s), strings.ToLower(sep))
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}
