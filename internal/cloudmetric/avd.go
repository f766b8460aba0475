package cloudmetric

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"

	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// AVDAPIVersion is the Microsoft.DesktopVirtualization api-version the
// host pool and sessionHosts reads use.
const AVDAPIVersion = "2024-04-03"

// avdPages bounds the sessionHosts pages one host pool is read through,
// so a nextLink that loops cannot hold the pull.
const avdPages = 100

// avdHostPool is what the metrics of one host pool are computed from.
type avdHostPool struct {
	maxSessionLimit                               float64
	total, available, accepting, failed, sessions float64
}

// value is the catalogue metric named name (cloudtype, avd_host_pool).
func (h *avdHostPool) value(name string) (float64, bool) {
	switch name {
	case "sessionHosts":
		return h.total, true
	case "sessionHosts/Available":
		return h.available, true
	case "sessionHosts/accepting":
		return h.accepting, true
	case "sessionHosts/updateFailed":
		return h.failed, true
	case "sessions":
		return h.sessions, true
	case "maxSessionLimit":
		return h.maxSessionLimit * h.accepting, true
	}
	return 0, false
}

// fetchAVD reads every host pool among the queries of
// SourceAVDSessionHosts (by index into queries) and adds one point per
// query: the state now, stamped at the start of the window's last grain.
func (a *Azure) fetchAVD(ctx context.Context, c *azureConn, queries []Query, idx []int, st *Stats, into map[int][]Point) error {
	byPool := map[string][]int{}
	var order []string
	for _, i := range idx {
		id := queries[i].Resource.ID
		if _, ok := byPool[id]; !ok {
			order = append(order, id)
		}
		byPool[id] = append(byPool[id], i)
	}
	var errs []error
	for _, id := range order {
		qs := byPool[id]
		pool, err := a.readAVD(ctx, c, id, len(qs), st)
		if throttled(err) != nil {
			return err
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, i := range qs {
			q := queries[i]
			if v, ok := pool.value(q.Metric.Name); ok {
				into[i] = append(into[i], Point{TimeMs: q.End.Add(-q.Grain()).UnixMilli(), Value: v})
			}
		}
	}
	return errors.Join(errs...)
}

// readAVD reads the host pool id and all its session hosts.
func (a *Azure) readAVD(ctx context.Context, c *azureConn, id string, metrics int, st *Stats) (*avdHostPool, error) {
	q := url.Values{"api-version": {AVDAPIVersion}}
	req, err := runtime.NewRequest(ctx, http.MethodGet, c.rm+(&url.URL{Path: id, RawQuery: q.Encode()}).String())
	if err != nil {
		return nil, fmt.Errorf("cloudmetric: avd host pool: %w", err)
	}
	st.call("hostPool", 0)
	var hp struct {
		Properties struct {
			MaxSessionLimit float64 `json:"maxSessionLimit"`
		} `json:"properties"`
	}
	if err := do(c.arm, req, &hp); err != nil {
		return nil, fmt.Errorf("cloudmetric: avd host pool %s: %w", id, err)
	}
	pool := &avdHostPool{maxSessionLimit: hp.Properties.MaxSessionLimit}
	next := c.rm + (&url.URL{Path: id + "/sessionHosts", RawQuery: q.Encode()}).String()
	for page := 0; next != ""; page++ {
		// The token goes only where Resource Manager is.
		if page >= avdPages || !strings.HasPrefix(next, c.rm+"/") {
			return nil, fmt.Errorf("cloudmetric: avd session hosts of %s: nextLink %q refused", id, next)
		}
		req, err := runtime.NewRequest(ctx, http.MethodGet, next)
		if err != nil {
			return nil, fmt.Errorf("cloudmetric: avd session hosts: %w", err)
		}
		if page == 0 {
			st.call("sessionHosts", metrics)
		} else {
			st.call("sessionHosts", 0)
		}
		var body avdPage
		if err := do(c.arm, req, &body); err != nil {
			return nil, fmt.Errorf("cloudmetric: avd session hosts of %s: %w", id, err)
		}
		pool.add(&body)
		next = body.NextLink
	}
	return pool, nil
}

// avdPage is one page of a sessionHosts list.
type avdPage struct {
	Value []struct {
		Properties struct {
			Status          string  `json:"status"`
			Sessions        float64 `json:"sessions"`
			AllowNewSession *bool   `json:"allowNewSession"`
			UpdateState     string  `json:"updateState"`
		} `json:"properties"`
	} `json:"value"`
	NextLink string `json:"nextLink"`
}

// add counts the session hosts of one page.
func (h *avdHostPool) add(page *avdPage) {
	for _, v := range page.Value {
		p := v.Properties
		h.total++
		if p.Sessions > 0 {
			h.sessions += p.Sessions
		}
		if strings.EqualFold(p.UpdateState, "Failed") {
			h.failed++
		}
		if !strings.EqualFold(p.Status, "Available") {
			continue
		}
		h.available++
		// Azure's default is to allow new sessions.
		if p.AllowNewSession == nil || *p.AllowNewSession {
			h.accepting++
		}
	}
}

// avdQuery reports whether q is read by fetchAVD rather than Azure Monitor.
func avdQuery(q Query) bool { return q.Metric.Source == cloudtype.SourceAVDSessionHosts }
