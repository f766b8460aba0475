package console

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/storage"
)

// deleteConfirm is the page that asks before a deletion, naming what goes
// with it and what stays behind.
type deleteConfirm struct {
	ID     string // the page's element prefix: tenant, service
	Crumbs []crumb
	Lead   string   // "Delete the customer X (x)?"
	Gone   []string // what is deleted with it, counted
	Kept   []string // what stays, and how
	Action string   // where the form posts
	Back   string
}

// crumb is one step of a page's breadcrumb.
type crumb struct{ Text, Href string }

// counted writes "3 resources" / "リソース 3 件" with the noun's catalog
// keys del.<noun> (several) and del.<noun>.1 (one).
func counted(l locale, noun string, n int) string {
	if n == 1 {
		return l.T("del." + noun + ".1")
	}
	return l.T("del."+noun, n)
}

// nonZero keeps the counts that are not zero, written by counted.
func nonZero(l locale, counts []struct {
	noun string
	n    int
}) []string {
	var out []string
	for _, c := range counts {
		if c.n > 0 {
			out = append(out, counted(l, c.noun, c.n))
		}
	}
	return out
}

func (c *Console) renderDeleteConfirm(w http.ResponseWriter, p *page, d *deleteConfirm, status int) error {
	p.Data = d
	c.render(w, status, "delete_confirm", p)
	return nil
}

// tenantGone lists what deleting a tenant deletes with it: open incidents
// are said with the incidents, and the series last.
func tenantGone(l locale, f storage.Footprint) []string {
	out := nonZero(l, []struct {
		noun string
		n    int
	}{{"services", f.Services}, {"resources", f.Resources}, {"items", f.Items}})
	if f.Incidents > 0 {
		inc := counted(l, "incidents", f.Incidents)
		if f.OpenIncidents > 0 {
			inc += " " + counted(l, "open_incidents", f.OpenIncidents)
		}
		out = append(out, inc)
	}
	out = append(out, nonZero(l, []struct {
		noun string
		n    int
	}{{"users", f.Users}, {"backup_policies", f.BackupPolicies}, {"capacity_groups", f.CapacityGroups}})...)
	return append(out, l.T("del.tenant_series"))
}

// serviceGone and serviceKept say what deleting a service deletes, and
// what it leaves without a service.
func serviceGone(l locale, f storage.Footprint) []string {
	return nonZero(l, []struct {
		noun string
		n    int
	}{{"backup_policies", f.BackupPolicies}, {"capacity_groups", f.CapacityGroups}})
}

func serviceKept(l locale, f storage.Footprint) []string {
	var out []string
	if f.Resources > 0 {
		out = append(out, l.T("del.kept_resources", counted(l, "resources", f.Resources)))
	}
	if f.Incidents > 0 {
		out = append(out, l.T("del.kept_incidents", counted(l, "incidents", f.Incidents)))
	}
	return out
}

func idText(id int64) string { return strconv.FormatInt(id, 10) }

// refusal is the status of an error the API answers with a 4xx (the
// input, or a conflict with what is stored), which the confirmation page
// shows; 0 for any other error, which is the page's.
func refusal(err error) int {
	if _, ok := invalid.As(err); ok {
		return http.StatusBadRequest
	}
	if errors.Is(err, storage.ErrConflict) {
		return http.StatusConflict
	}
	return 0
}
