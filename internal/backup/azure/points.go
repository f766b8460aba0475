package azure

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/backup"
)

// ItemList is a page of GET .../vaults/{vault}/backupProtectedItems.
type ItemList struct {
	Value    []ItemResource `json:"value"`
	NextLink string         `json:"nextLink"`
}

// ItemResource is one protected item (a VM, a file share, a database):
// its ARM ID is .../backupFabrics/{fabric}/protectionContainers/{container}/protectedItems/{item}.
type ItemResource struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Properties struct {
		ProtectedItemType string `json:"protectedItemType"`
		FriendlyName      string `json:"friendlyName"` // the VM's name; entityFriendlyName of its jobs
		ContainerName     string `json:"containerName"`
		SourceResourceID  string `json:"sourceResourceId"`
		WorkloadType      string `json:"workloadType"`
	} `json:"properties"`
}

// PointList is a page of GET .../protectedItems/{item}/recoveryPoints.
type PointList struct {
	Value    []PointResource `json:"value"`
	NextLink string          `json:"nextLink"`
}

// PointResource is one recovery point. Its time is recoveryPointTime on
// VM, file share and generic points, recoveryPointTimeInUTC on workload
// (SQL, SAP HANA) points; both are read as strings, as some services
// leave out the zone (UTC meant).
type PointResource struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Properties struct {
		ObjectType        string `json:"objectType"`
		RecoveryPointTime string `json:"recoveryPointTime"`
		TimeInUTC         string `json:"recoveryPointTimeInUTC"`
	} `json:"properties"`
}

// Time is the point's time; false when it has none that parses.
func (p PointResource) Time() (time.Time, bool) {
	s := p.Properties.RecoveryPointTime
	if s == "" {
		s = p.Properties.TimeInUTC
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil && t.Year() >= 2000 && t.Year() < 10000 {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// ParseItems decodes a page of protected items; every item needs the ID
// of a protected item, as its recovery points are read under it.
func ParseItems(body []byte) (*ItemList, error) {
	var l ItemList
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, fmt.Errorf("protected item list: %w", err)
	}
	for i, it := range l.Value {
		if _, err := itemPath(it.ID); err != nil {
			return nil, fmt.Errorf("protected item list: value[%d]: %w", i, err)
		}
	}
	return &l, nil
}

// ParsePoints decodes a page of recovery points.
func ParsePoints(body []byte) (*PointList, error) {
	var l PointList
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, fmt.Errorf("recovery point list: %w", err)
	}
	return &l, nil
}

// itemPath is the URL path of a protected item's ARM ID, each segment
// escaped as the SDK does (container and item names hold ';'): the ID
// comes from the service, so it must have the shape of a protected item
// and nothing that would leave it (a query, a "..").
func itemPath(id string) (string, error) {
	segs := strings.Split(id, "/")
	if len(segs) != 15 || segs[0] != "" || !strings.EqualFold(segs[1], "subscriptions") || !strings.EqualFold(segs[3], "resourceGroups") ||
		!strings.EqualFold(segs[5], "providers") || !strings.EqualFold(segs[6], "Microsoft.RecoveryServices") ||
		!strings.EqualFold(segs[7], "vaults") || !strings.EqualFold(segs[9], "backupFabrics") ||
		!strings.EqualFold(segs[11], "protectionContainers") || !strings.EqualFold(segs[13], "protectedItems") {
		return "", fmt.Errorf("not a protected item ID: %q", id)
	}
	for i, s := range segs[1:] {
		if s == "" || s == "." || s == ".." {
			return "", fmt.Errorf("not a protected item ID: %q", id)
		}
		segs[i+1] = url.PathEscape(s)
	}
	return strings.Join(segs, "/"), nil
}

// inVault reports whether the protected item ID lies under the vault ID.
func inVault(item, vault string) bool {
	return len(item) > len(vault) && strings.EqualFold(item[:len(vault)], vault) && item[len(vault)] == '/'
}

// SelectItems keeps the protected items of the resources named (all when
// none): a resource names an item by its friendly name (the VM's name, as
// the jobs name it), its container, its ARM name or its source resource ID.
func SelectItems(list []ItemResource, resources []string) []ItemResource {
	var out []ItemResource
	for _, it := range list {
		p := it.Properties
		if len(resources) == 0 || named(resources, p.FriendlyName) || named(resources, p.ContainerName) ||
			named(resources, it.Name) || named(resources, p.SourceResourceID) {
			out = append(out, it)
		}
	}
	return out
}

// span folds the recovery points of several items into what the policy
// can rely on: the youngest of the items' oldest points (the item with
// the shortest history bounds what the retention keeps) and the oldest
// of their newest (the item most behind bounds the RPO). Items without a
// point are left out; nil when no item has one.
type span struct {
	r     *backup.Restorable
	items int
}

// add folds one item's points in.
func (s *span) add(points []time.Time) {
	if len(points) == 0 {
		return
	}
	oldest, newest := points[0], points[0]
	for _, t := range points[1:] {
		if t.Before(oldest) {
			oldest = t
		}
		if t.After(newest) {
			newest = t
		}
	}
	s.items++
	if s.r == nil {
		s.r = &backup.Restorable{Oldest: oldest, Newest: newest}
		return
	}
	if oldest.After(s.r.Oldest) {
		s.r.Oldest = oldest
	}
	if newest.Before(s.r.Newest) {
		s.r.Newest = newest
	}
}
