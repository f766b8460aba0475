package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/unyo-ops/unyo/internal/agent"
	"github.com/unyo-ops/unyo/internal/agent/confine"
	"github.com/unyo-ops/unyo/internal/agentcli"
	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/storage"
)

// The server's watch of its own host: a tenant of its own, the host as a
// resource with the base template of its OS, and an agent in the process
// that pushes through the same API every other agent uses.
const (
	selfTenant    = "self"
	selfTokenName = "self-agent"
)

// selfWatch prepares the tenant, the host and a fresh ingest token, and
// returns the agent to run; server is the server's own base URL. The agent
// runs with the server's rights, so its items are confined to policy (the
// admin's --self-log-paths and --self-targets): changes of the design that
// would hand it anything else are refused with 403, and it drops and logs
// any such item that reaches it all the same.
func selfWatch(ctx context.Context, store *storage.Store, design *monitoring.Store, server, dataDir string, policy *confine.Policy, logger *slog.Logger) (*agent.Agent, error) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	if err := ensureSelfHost(ctx, store, design, host); err != nil {
		return nil, fmt.Errorf("cannot set up the watch of this host: %w", err)
	}
	design.Confine(selfTenant, host, policy.Check)
	token, err := selfToken(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("cannot set up the watch of this host: %w", err)
	}
	cfg := &agentconfig.Config{Server: server, Token: token, Host: host,
		Buffer: agentconfig.Buffer{Dir: filepath.Join(dataDir, "agent")}}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("self agent: %w", err)
	}
	a := agentcli.New(cfg, 30*time.Second, logger.With("component", "self-agent"))
	a.SetConfine(policy.Check)
	return a, nil
}

// ensureSelfHost creates what is missing of the self tenant, its host and the
// assignment of the OS's base template; what an operator changed is kept.
func ensureSelfHost(ctx context.Context, store *storage.Store, design *monitoring.Store, host string) error {
	if _, err := store.Tenant(ctx, selfTenant); errors.Is(err, storage.ErrNotFound) {
		t := &model.Tenant{ID: selfTenant, Name: "unyo (this server)", Language: "en", TimeZone: "UTC"}
		if err := store.CreateTenant(ctx, t); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	hosts, err := store.Resources(ctx, selfTenant, storage.ResourceFilter{Kind: "host"})
	if err != nil {
		return err
	}
	found := false
	for _, r := range hosts {
		found = found || r.Name == host
	}
	if !found {
		r := &model.Resource{TenantID: selfTenant, Name: host, Kind: "host", Labels: map[string]string{"os": runtime.GOOS}}
		if err := store.CreateResource(ctx, r); err != nil {
			return err
		}
	}
	return assignBase(ctx, design)
}

// assignBase assigns the built-in base template of this OS to the tenant's
// hosts of that OS, once.
func assignBase(ctx context.Context, design *monitoring.Store) error {
	name := runtime.GOOS + "-base"
	tmpls, err := design.Templates(ctx, selfTenant)
	if err != nil {
		return err
	}
	existing, err := design.Assignments(ctx, selfTenant)
	if err != nil {
		return err
	}
	for _, t := range tmpls {
		if t.Builtin != name {
			continue
		}
		for _, a := range existing {
			if a.TemplateID == t.ID {
				return nil
			}
		}
		return design.CreateAssignment(ctx, &monitoring.Assignment{TenantID: selfTenant, TemplateID: t.ID, Selector: "os=" + runtime.GOOS})
	}
	return nil // no base template for this OS
}

// selfToken revokes the tokens of earlier starts and creates a new one: its
// secret lives only in this process's memory.
func selfToken(ctx context.Context, store *storage.Store) (string, error) {
	old, err := store.Tokens(ctx, selfTenant)
	if err != nil {
		return "", err
	}
	for _, t := range old {
		if t.Name == selfTokenName && t.RevokedAt == nil {
			if err := store.RevokeToken(ctx, selfTenant, t.ID); err != nil {
				return "", err
			}
		}
	}
	secret, hash := auth.NewToken()
	t := &model.Token{Name: selfTokenName, TenantID: selfTenant, Scopes: []model.Scope{model.ScopeIngest},
		Hash: hash, Prefix: auth.DisplayPrefix(secret), CreatedBy: "unyo server"}
	if err := store.CreateToken(ctx, t); err != nil {
		return "", err
	}
	return secret, nil
}
