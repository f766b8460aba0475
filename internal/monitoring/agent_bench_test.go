package monitoring

import (
	"context"
	"fmt"
	"testing"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/storage"
)

// BenchmarkAgentConfig answers an agent's configuration pull, as mspsim's
// hosts make it every minute: a tenant of 20 Linux hosts with the built-in
// templates synced and linux-base assigned by selector (os=linux).
func BenchmarkAgentConfig(b *testing.B) {
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URLFor(b, database.SQLite))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st := storage.New(db)
	if err := st.CreateTenant(ctx, &model.Tenant{ID: "acme", Name: "acme", Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
		b.Fatal(err)
	}
	s := NewStore(db, st)
	if err := s.SyncBuiltins(ctx); err != nil {
		b.Fatal(err)
	}
	ts, err := s.Templates(ctx, "acme")
	if err != nil {
		b.Fatal(err)
	}
	var linux int64
	for _, t := range ts {
		if t.Name == "linux-base" {
			linux = t.ID
		}
	}
	if err := s.CreateAssignment(ctx, &Assignment{TenantID: "acme", TemplateID: linux, Selector: "os=linux"}); err != nil {
		b.Fatal(err)
	}
	var hosts []string
	for i := range 20 {
		h := fmt.Sprintf("web-%02d", i)
		if err := st.CreateResource(ctx, &model.Resource{TenantID: "acme", Name: h, Kind: "host", Labels: map[string]string{"os": "linux"}}); err != nil {
			b.Fatal(err)
		}
		hosts = append(hosts, h)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c, err := s.AgentConfig(ctx, "acme", hosts[i%len(hosts)])
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Items) == 0 {
			b.Fatal("no items in the configuration")
		}
		i++
	}
}
