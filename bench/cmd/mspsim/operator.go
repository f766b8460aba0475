package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"
)

// operator reads what an MSP's operators read all day, at a steady rate,
// one request at a time: the board, a tenant's alert list, a host's page and
// a PromQL range query over a host's CPU.
type operator struct {
	base    string
	console *http.Client // with the signed-in session's cookie
	api     *http.Client
	token   string        // the admin's API token, for the API reads
	rate    time.Duration // between two reads

	board, alerts, hostPage, promql latencies
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)

// signIn opens a console session as the admin, as a browser does; an
// overloaded server's failure (a 5xx, such as SQLite's write lock not got
// within its 10 s, or no answer within the client's 60 s) is tried again
// twice, 5 s apart, as a person would.
func (o *operator) signIn(ctx context.Context) error {
	var err error
	for attempt := 1; attempt <= 3; attempt++ {
		if err = o.signInOnce(ctx); err == nil || !errors.Is(err, errServerBusy) {
			return err
		}
		logf("operator: sign-in attempt %d: %v", attempt, err)
		if !sleepCtx(ctx, 5*time.Second) {
			return ctx.Err()
		}
	}
	return err
}

// errServerBusy is a sign-in the server answered with a 5xx or not at all.
var errServerBusy = errors.New("the server answered 5xx")

func (o *operator) signInOnce(ctx context.Context) error {
	jar, _ := cookiejar.New(nil)
	o.console = &http.Client{Jar: jar, Timeout: 60 * time.Second}
	o.api = &http.Client{Timeout: 60 * time.Second}
	resp, err := o.console.Get(o.base + "/login")
	if err != nil {
		return fmt.Errorf("operator: %w", err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		return fmt.Errorf("operator: no csrf_token on the login page")
	}
	form := url.Values{"login": {"admin"}, "password": {adminPassword}, "csrf_token": {string(m[1])}, "next": {"/board"}}
	req, _ := http.NewRequestWithContext(ctx, "POST", o.base+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = o.console.Do(req)
	if err != nil {
		if os.IsTimeout(err) {
			return fmt.Errorf("operator: sign-in: %v: %w", err, errServerBusy)
		}
		return fmt.Errorf("operator: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode/100 == 5 {
		return fmt.Errorf("operator: sign-in ended at %s with %d: %w", resp.Request.URL.Path, resp.StatusCode, errServerBusy)
	}
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/board" {
		return fmt.Errorf("operator: sign-in ended at %s with %d", resp.Request.URL.Path, resp.StatusCode)
	}
	return nil
}

// run reads in turn until ctx ends, one read every rate.
func (o *operator) run(ctx context.Context, tenants []*tenant) {
	tick := time.NewTicker(o.rate)
	defer tick.Stop()
	for n := 0; ; n++ {
		t := tenants[n/4%len(tenants)]
		h := (n / 4 / len(tenants)) % len(t.hosts)
		switch n % 4 {
		case 0:
			o.get(ctx, o.console, o.base+"/board", nil, &o.board)
		case 1:
			o.get(ctx, o.api, o.base+"/api/v1/tenants/"+t.id+"/alerts", nil, &o.alerts)
		case 2:
			o.get(ctx, o.console, fmt.Sprintf("%s/tenants/%s/resources/%d", o.base, t.id, t.hostIDs[h]), nil, &o.hostPage)
		case 3:
			end := time.Now()
			q := url.Values{"query": {fmt.Sprintf(`100 * (1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode="idle",host=%q}[5m])))`, t.hosts[h].name)},
				"start": {fmt.Sprint(end.Add(-time.Hour).Unix())}, "end": {fmt.Sprint(end.Unix())}, "step": {"60"}}
			o.get(ctx, o.api, o.base+"/api/v1/query_range?"+q.Encode(), map[string]string{"X-Unyo-Tenant": t.id}, &o.promql)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// get times one read; the API reads carry the admin's token (as a script
// does: basic auth would cost a bcrypt check a request).
func (o *operator) get(ctx context.Context, c *http.Client, u string, header map[string]string, lat *latencies) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return
	}
	if c == o.api {
		req.Header.Set("Authorization", "Bearer "+o.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			lat.fail()
		}
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if c == o.console && resp.Request.URL.Path == "/login" {
		// The session ended (a login lasts 12 hours, less than a soak):
		// the read failed; sign in again, as the operator would.
		lat.fail()
		if err := o.signInOnce(ctx); err != nil && ctx.Err() == nil {
			logf("operator: signing in again: %v", err)
		}
		return
	}
	if resp.StatusCode != 200 {
		lat.fail()
		return
	}
	lat.add(time.Since(start))
}
