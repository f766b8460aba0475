package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// ConfigPath is where the agent pulls its configuration from unyo server.
const ConfigPath = "/api/v1/agent/config"

// cacheFile keeps the last good configuration from the server in the buffer
// directory, so an agent restarted while the server is away runs its items.
const cacheFile = "server-config.json"

type cachedConfig struct {
	ETag   string          `json:"etag"`
	Config json.RawMessage `json:"config"`
}

// puller keeps what it needs between pulls.
type puller struct {
	client  *http.Client
	etag    string
	last    []byte // body last applied or refused
	failing bool
}

// pullLoop pulls the configuration at start and then every a.pullEvery.
func (a *Agent) pullLoop(ctx context.Context) {
	p := &puller{client: &http.Client{Timeout: 30 * time.Second}}
	a.mu.Lock()
	if c := a.cachedETag(); c != "" {
		p.etag = c
	}
	a.mu.Unlock()
	t := time.NewTicker(a.pullEvery)
	defer t.Stop()
	for {
		a.pull(ctx, p)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pull asks the server once. A 304 costs nothing; a new configuration is
// applied if valid, and otherwise logged problem by problem while the last
// good one keeps running.
func (a *Agent) pull(ctx context.Context, p *puller) {
	a.mu.Lock()
	server, token, host := a.local.Server, a.local.Token, a.local.Host
	a.mu.Unlock()
	if server == "" {
		return // standalone
	}
	body, etag, err := p.fetch(ctx, strings.TrimRight(server, "/")+ConfigPath+"?host="+url.QueryEscape(host), token)
	if err != nil {
		var refused *refusal
		switch {
		case p.failing || ctx.Err() != nil:
		case errors.As(err, &refused) && refused.status == http.StatusNotFound:
			// The server says what to do ("host web-01 is not registered in
			// tenant acme: register it in the console … or enable auto-registration…"):
			// that is the line.
			a.logger.Error("agent: "+refused.message, "host", host, "server", server)
		default:
			a.logger.Warn("agent: cannot pull configuration; keeping the current one", "err", err)
		}
		p.failing = ctx.Err() == nil
		return
	}
	if p.failing {
		a.logger.Info("agent: configuration server reachable again")
		p.failing = false
	}
	if body == nil || bytes.Equal(body, p.last) {
		return // not modified; a server without ETag support ends here
	}
	p.last = body
	// Remember the tag of a bad configuration too, so it is logged once and
	// not at every pull; a corrected one comes with a new tag.
	p.etag = etag
	if err := a.applyRemote(body, etag); err != nil {
		a.logRefused(err)
	}
}

func (p *puller) fetch(ctx context.Context, u, token string) (body []byte, etag string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "unyo-agent")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if p.etag != "" {
		req.Header.Set("If-None-Match", p.etag)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	switch {
	case err != nil:
		return nil, "", fmt.Errorf("reading configuration: %w", err)
	case resp.StatusCode == http.StatusNotModified:
		return nil, p.etag, nil
	case resp.StatusCode != http.StatusOK:
		r := &refusal{status: resp.StatusCode, message: fmt.Sprintf("%.200s", body)}
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			r.message = e.Error
		}
		return nil, "", fmt.Errorf("server answered %s: %w", resp.Status, r)
	}
	return body, resp.Header.Get("ETag"), nil
}

// refusal is a configuration pull the server answered with an error, in
// the server's words.
type refusal struct {
	status  int
	message string
}

func (r *refusal) Error() string { return r.message }

// applyRemote merges a configuration from the server with the local one and
// runs it, or returns why not.
func (a *Agent) applyRemote(body []byte, etag string) error {
	remote, err := agentconfig.DecodeJSON(body)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	merged, err := a.merge(a.local, remote)
	if err != nil {
		a.reloadOK = false
		return err
	}
	a.remote, a.reloadOK = remote, true
	a.apply(merged)
	a.saveCache(body, etag)
	a.logger.Info("agent: configuration from the server applied", "items", len(merged.Items), "etag", etag)
	return nil
}

// logRefused logs each problem of a refused configuration with its field.
func (a *Agent) logRefused(err error) {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		if ie, ok := invalid.As(e); ok {
			a.logger.Error("agent: configuration from the server refused; keeping the last good one",
				"field", ie.Field, "reason", ie.Reason)
			continue
		}
		a.logger.Error("agent: configuration from the server refused; keeping the last good one", "err", e)
	}
}

// saveCache writes the configuration just applied. Callers hold a.mu.
func (a *Agent) saveCache(body []byte, etag string) {
	data, err := json.Marshal(cachedConfig{ETag: etag, Config: body})
	if err == nil {
		path := filepath.Join(a.cfg.Buffer.Dir, cacheFile)
		tmp := path + ".tmp"
		if err = os.WriteFile(tmp, data, 0o600); err == nil {
			err = os.Rename(tmp, path)
		}
	}
	if err != nil {
		a.logger.Warn("agent: cannot cache the server configuration", "err", err)
	}
}

func (a *Agent) readCache() (*cachedConfig, error) {
	data, err := os.ReadFile(filepath.Join(a.cfg.Buffer.Dir, cacheFile))
	if err != nil {
		return nil, err
	}
	var c cachedConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// loadCached applies the cached server configuration. Callers hold a.mu.
func (a *Agent) loadCached() {
	c, err := a.readCache()
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err == nil {
		var remote *agentconfig.Config
		if remote, err = agentconfig.DecodeJSON(c.Config); err == nil {
			var merged *agentconfig.Config
			if merged, err = a.merge(a.local, remote); err == nil {
				a.remote, a.cfg = remote, merged
				a.logger.Info("agent: running the configuration cached from the server", "items", len(merged.Items))
				return
			}
		}
	}
	a.logger.Warn("agent: ignoring the cached server configuration", "err", err)
}

// cachedETag returns the tag of the cached configuration if it is running. Callers hold a.mu.
func (a *Agent) cachedETag() string {
	if a.remote == nil {
		return ""
	}
	if c, err := a.readCache(); err == nil {
		return c.ETag
	}
	return ""
}
