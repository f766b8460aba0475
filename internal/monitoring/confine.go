package monitoring

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/unyo-ops/unyo/internal/agentconfig"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/response"
	"github.com/unyo-ops/unyo/internal/storage"
)

// confinement is a host whose agent runs inside the server process: what
// its items read and reach is limited by check (package agent/confine).
type confinement struct {
	tenant, host string
	check        func(agentconfig.Item) error
}

// Confine makes every change of tenant's design fail, with 403 and nothing
// stored, when the design after it would hand host's agent an item check
// refuses. The server's own agent (tenant "self") is confined so; the
// agents of other hosts, running with their own rights, are not.
func (s *Store) Confine(tenant, host string, check func(agentconfig.Item) error) {
	s.confineMu.Lock()
	defer s.confineMu.Unlock()
	s.confined = append(s.confined, confinement{tenant, host, check})
}

type txKey struct{}

// q is the transaction ctx carries, if any, else the database: a check
// made inside a change reads the design as the change leaves it.
func (s *Store) q(ctx context.Context) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return database.On(ctx, s.db)
}

// inTenantTx runs f in a transaction, then checks the confined hosts of
// tenant, then writes in the same transaction the audit entry ctx carries
// for the object obj names (see storage.Change).
func (s *Store) inTenantTx(ctx context.Context, tenant string, obj func() storage.Object, f func(tx *sql.Tx) error) error {
	return storage.Change(ctx, s.db, s.now(), func(tx *sql.Tx) (storage.Object, error) {
		if err := f(tx); err != nil {
			return storage.Object{}, err
		}
		if err := s.checkConfined(context.WithValue(ctx, txKey{}, tx), tenant); err != nil {
			return storage.Object{}, err
		}
		return obj(), nil
	})
}

func (s *Store) checkConfined(ctx context.Context, tenant string) error {
	s.confineMu.Lock()
	list := s.confined
	s.confineMu.Unlock()
	for _, c := range list {
		if c.tenant != tenant {
			continue
		}
		cfg, err := s.AgentConfig(ctx, c.tenant, c.host)
		if errors.Is(err, storage.ErrNotFound) {
			continue // no such host: nothing reaches its agent
		}
		if err != nil {
			return err
		}
		for _, it := range cfg.Items {
			if err := c.check(it); err != nil {
				return response.Forbidden(fmt.Sprintf("%s: %v", confinedField(it), err))
			}
		}
	}
	return nil
}

// confinedField names, in the item's own terms, the field a refusal is about.
func confinedField(it agentconfig.Item) string {
	switch it.Kind {
	case agentconfig.KindLog:
		return "log.glob"
	case agentconfig.KindExporter:
		return "exporter.url"
	case agentconfig.KindHTTP:
		return "check.url"
	case agentconfig.KindTCP:
		return "check.address"
	case agentconfig.KindDNS:
		if it.Server != "" {
			return "check.server"
		}
		return "check.query"
	case agentconfig.KindBackup:
		return "backup"
	}
	return it.Kind
}
