package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// api calls the server's JSON API as the admin: with an MSP-wide admin
// token once it has one (a token is checked by a hash and cached; the
// password by bcrypt at every request, which made provisioning CPU-bound).
type api struct {
	base   string
	client *http.Client
	token  string
}

// withToken returns a with an MSP-wide admin token, made with the password.
func (a api) withToken(ctx context.Context) (api, error) {
	var tok struct {
		Token string `json:"token"`
	}
	if err := a.call(ctx, "POST", "/api/v1/tokens", map[string]any{"name": "mspsim", "scopes": []string{"read", "write", "admin"}}, &tok); err != nil {
		return a, err
	}
	a.token = tok.Token
	return a, nil
}

// call sends in as JSON and decodes a 2xx answer into out; any other answer
// is an error naming the call.
func (a api) call(ctx context.Context, method, path string, in, out any) error {
	var b []byte
	if in != nil {
		var err error
		if b, err = json.Marshal(in); err != nil {
			return err
		}
	}
	// A write the server refused with 500 (its wait for SQLite's write lock
	// ran out before it began, on a starved machine; the API says only
	// "internal error") is tried again, said in the log: setting up is not
	// what is measured. Had it been written after all, the retry's 409
	// says so.
	for wait := time.Second; ; wait *= 2 {
		err := a.once(ctx, method, path, b, out)
		if err == nil || !strings.Contains(err.Error(), "answered 500") || wait > 16*time.Second {
			return err
		}
		logf("retrying in %v: %v", wait, err)
		if !sleepCtx(ctx, wait) {
			return err
		}
	}
}

func (a api) once(ctx context.Context, method, path string, in []byte, out any) error {
	var body io.Reader
	if in != nil {
		body = bytes.NewReader(in)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return err
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	} else {
		req.SetBasicAuth("admin", adminPassword)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("api: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("api: %s %s answered %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("api: %s %s: %w", method, path, err)
		}
	}
	return nil
}

// tenant is one simulated customer: its ingest token and hosts.
type tenant struct {
	id, token string
	hosts     []*host
	hostIDs   []int64
}

// Names of what mspsim creates in each tenant.
const (
	benchChannel  = "bench-hook"
	benchTemplate = "bench-fast"
	servicesPer   = 2
)

// provision creates the tenant, its ingest token, a webhook channel to the
// receiver, a default escalation policy to it, services, the hosts (labelled
// os=linux, spread over the services), the built-in Linux template assigned by
// selector, and a template of fast items (a failing check alerts at once) so
// alerts fire within a short window.
func provision(ctx context.Context, a api, t *tenant, hookURL string) error {
	base := "/api/v1/tenants/" + t.id
	if err := a.call(ctx, "POST", "/api/v1/tenants", map[string]string{"id": t.id, "name": "Customer " + t.id}, nil); err != nil {
		return err
	}
	var tok struct {
		Token string `json:"token"`
	}
	// An MSP-wide token cannot hold ingest (samples belong to one tenant),
	// so the password issues the tenant's agents' token: one bcrypt a tenant.
	byPassword := a
	byPassword.token = ""
	if err := byPassword.call(ctx, "POST", "/api/v1/tokens", map[string]any{"name": "agents", "tenant": t.id, "scopes": []string{"ingest"}}, &tok); err != nil {
		return err
	}
	t.token = tok.Token
	if err := a.call(ctx, "POST", base+"/channels", map[string]any{"name": benchChannel, "type": "webhook",
		"config": map[string]string{"url": hookURL, "secret": webhookSecret}}, nil); err != nil {
		return err
	}
	if err := a.call(ctx, "POST", base+"/escalation-policies", map[string]any{"name": "default", "default": true,
		"steps": []map[string]any{{"targets": []string{benchChannel}, "wait": "15m"}, {"targets": []string{benchChannel}}}}, nil); err != nil {
		return err
	}
	services := make([]int64, servicesPer)
	for i := range services {
		var svc struct {
			ID int64 `json:"id"`
		}
		if err := a.call(ctx, "POST", base+"/services", map[string]any{"name": fmt.Sprintf("service-%d", i)}, &svc); err != nil {
			return err
		}
		services[i] = svc.ID
	}
	t.hostIDs = make([]int64, len(t.hosts))
	for i, h := range t.hosts {
		var res struct {
			ID int64 `json:"id"`
		}
		if err := a.call(ctx, "POST", base+"/resources", map[string]any{"name": h.name, "kind": "host",
			"labels": map[string]string{"os": "linux"}, "service_id": services[i%len(services)]}, &res); err != nil {
			return err
		}
		t.hostIDs[i] = res.ID
	}
	var templates []struct {
		ID      int64  `json:"id"`
		Builtin string `json:"builtin"`
	}
	if err := a.call(ctx, "GET", base+"/monitoring/templates", nil, &templates); err != nil {
		return err
	}
	linux := int64(0)
	for _, tp := range templates {
		if tp.Builtin == "linux-base" {
			linux = tp.ID
		}
	}
	if linux == 0 {
		return fmt.Errorf("provision %s: no built-in linux-base template", t.id)
	}
	var fast struct {
		ID int64 `json:"id"`
	}
	if err := a.call(ctx, "POST", base+"/monitoring/templates", map[string]any{"name": benchTemplate,
		"items": []map[string]any{fastCheckItem}}, &fast); err != nil {
		return err
	}
	for _, id := range []int64{linux, fast.ID} {
		if err := a.call(ctx, "POST", base+"/monitoring/assignments", map[string]any{"template_id": id, "selector": "os=linux"}, nil); err != nil {
			return err
		}
	}
	return nil
}

// provisionAll provisions the tenants, at most `at once` of them at a time.
func provisionAll(ctx context.Context, a api, tenants []*tenant, hookURL string, atOnce int) error {
	start := time.Now()
	work := make(chan *tenant)
	errs := make(chan error, len(tenants))
	var wg sync.WaitGroup
	for range atOnce {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				errs <- provision(ctx, a, t, hookURL)
			}
		}()
	}
	for _, t := range tenants {
		work <- t
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	logf("provisioned %d tenants in %v", len(tenants), time.Since(start).Round(time.Millisecond))
	return nil
}
