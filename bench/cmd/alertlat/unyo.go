package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// unyoConfig says how to reach the unyo server alertlat provisions.
type unyoConfig struct {
	api, password string
}

// Names of what alertlat creates in unyo.
const (
	unyoTenant  = "bench"
	unyoChannel = "bench-hook"
)

// provisionUnyo creates the tenant, an ingest token, a webhook channel to
// hookURL and, for each host in order, a host resource with a CPU item on
// metric that notifies the channel; it returns the ingest token.
func provisionUnyo(ctx context.Context, c unyoConfig, hookURL, metric string, threshold float64, hosts []string) (string, error) {
	start := time.Now()
	if err := c.call(ctx, "POST", "/api/v1/tenants", map[string]string{"id": unyoTenant, "name": "Bench"}, nil); err != nil {
		return "", err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := c.call(ctx, "POST", "/api/v1/tokens", map[string]any{"name": "alertlat", "tenant": unyoTenant, "scopes": []string{"ingest"}}, &tok); err != nil {
		return "", err
	}
	base := "/api/v1/tenants/" + unyoTenant
	if err := c.call(ctx, "POST", base+"/channels", map[string]any{"name": unyoChannel, "type": "webhook",
		"config": map[string]string{"url": hookURL, "secret": webhookSecret}}, nil); err != nil {
		return "", err
	}
	for _, h := range hosts {
		var res struct {
			ID int64 `json:"id"`
		}
		if err := c.call(ctx, "POST", base+"/resources", map[string]any{"name": h, "kind": "host"}, &res); err != nil {
			return "", err
		}
		item := map[string]any{
			"resource_id": res.ID, "name": "cpu", "kind": "metric",
			"metric":    map[string]string{"series": metric},
			"threshold": map[string]any{"op": ">", "critical": threshold, "recovery": threshold - 40},
			"notify":    []string{unyoChannel},
		}
		if err := c.call(ctx, "POST", base+"/monitoring/items", item, nil); err != nil {
			return "", err
		}
	}
	fmt.Fprintf(os.Stderr, "alertlat: unyo: %d hosts and items created in %v\n", len(hosts), time.Since(start).Round(time.Millisecond))
	return tok.Token, nil
}

// call sends in as JSON with the admin's basic auth and decodes the answer
// into out; any answer but 2xx is an error.
func (c unyoConfig) call(ctx context.Context, method, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.api+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.SetBasicAuth("admin", c.password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("unyo: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("unyo: %s %s answered %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(body))
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("unyo: %s %s: %w", method, path, err)
		}
	}
	return nil
}
