package collector

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
)

// cacheFile keeps the last targets pulled, in the buffer's directory, so
// that a collector restarted while the server is away polls what it did.
const cacheFile = "collector-targets.json"

// pullLoop pulls the targets at start and then every c.pull.
func (c *Collector) pullLoop(ctx context.Context) {
	t := time.NewTicker(c.pull)
	defer t.Stop()
	var last []byte
	failing := false
	for {
		body, err := c.fetch(ctx)
		switch {
		case err != nil && ctx.Err() != nil:
			return
		case err != nil:
			if !failing {
				c.logger.Warn("collector: cannot pull targets; polling the last ones", "err", err)
			}
			failing = true
			c.pulledOK.Store(false)
		default:
			if failing {
				c.logger.Info("collector: targets server reachable again")
			}
			failing = false
			c.pulledOK.Store(true)
			if !bytes.Equal(body, last) {
				if err := c.applyTargets(body, true); err != nil {
					c.logger.Error("collector: targets from the server refused; polling the last ones", "err", err)
				}
				last = body
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// fetch asks the server once for the collector's targets.
func (c *Collector) fetch(ctx context.Context) ([]byte, error) {
	server, token, _ := c.target()
	if server == "" {
		return nil, errors.New("no server configured")
	}
	// The host lets the server watch the collector's own health (its
	// resource and the collector template) from the first pull.
	u := strings.TrimRight(server, "/") + TargetsPath + "?collector=" + url.QueryEscape(c.name) + "&host=" + url.QueryEscape(c.hostName())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "unyo-agent")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("reading targets: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("server answered %s: %.200s", resp.Status, body)
	}
	return body, nil
}

// applyTargets makes body the running targets, caches it when asked, and
// tells the pollers.
func (c *Collector) applyTargets(body []byte, cache bool) error {
	var t Targets
	if err := json.Unmarshal(body, &t); err != nil {
		return fmt.Errorf("collector: cannot decode targets: %w", err)
	}
	if t.Collector != c.name {
		return fmt.Errorf("collector: targets are for collector %q, this is %q", t.Collector, c.name)
	}
	c.targets.Store(&t)
	c.mu.Lock()
	reload, dir := c.reload, c.dir
	c.mu.Unlock()
	for _, r := range reload {
		r()
	}
	if cache && dir != "" {
		path := filepath.Join(dir, cacheFile)
		err := os.WriteFile(path+".tmp", body, 0o600)
		if err == nil {
			err = os.Rename(path+".tmp", path)
		}
		if err != nil {
			c.logger.Warn("collector: cannot cache the targets", "err", err)
		}
	}
	c.logger.Info("collector: targets applied", "collector", c.name, "targets", c.countTargets())
	return nil
}

// loadCache runs the targets cached by an earlier run, if any.
func (c *Collector) loadCache() {
	_, _, dir := c.target()
	if dir == "" {
		return
	}
	body, err := os.ReadFile(filepath.Join(dir, cacheFile))
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err == nil {
		err = c.applyTargets(body, false)
	}
	if err != nil {
		c.logger.Warn("collector: ignoring the cached targets", "err", err)
	}
}
