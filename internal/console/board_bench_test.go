package console

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
	"github.com/unyo-ops/unyo/internal/cputime"
	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/session"
	ustorage "github.com/unyo-ops/unyo/internal/storage"
)

// BenchmarkBoard renders the board for an MSP admin over 100 tenants with
// 2,000 resources in all (20 each, in 4 services), through the real handler
// and the database, on SQLite and on PostgreSQL in the same run, and reports
// the 95th percentile of the request time.
func BenchmarkBoard(b *testing.B) {
	for _, d := range dbtest.Dialects {
		b.Run(string(d), func(b *testing.B) { benchmarkBoard(b, d) })
	}
}

func benchmarkBoard(b *testing.B, d database.Dialect) {
	db := benchDB(b, d)
	st := ustorage.New(db)
	for i := range 100 {
		benchTenant(b, st, fmt.Sprintf("tenant-%03d", i), 4, 20, []string{"host", "database", "web", "load_balancer"})
	}
	benchBoardViews(b, db, "admin", Options{Store: st})
}

// benchDB opens a database of dialect d for a benchmark.
func benchDB(b *testing.B, d database.Dialect) *sql.DB {
	db, err := database.Open(context.Background(), dbtest.URLFor(b, d))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// benchTenant makes tenant id (Japanese, in Tokyo) with services services
// and hosts resources, spread over the services and kinds in turn.
func benchTenant(b *testing.B, st *ustorage.Store, id string, services, hosts int, kinds []string) []*model.Resource {
	ctx := context.Background()
	if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: "お客様 " + id, Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
		b.Fatal(err)
	}
	var svcs []int64
	for s := range services {
		svc := &model.Service{TenantID: id, Name: fmt.Sprintf("svc-%d", s)}
		if err := st.CreateService(ctx, svc); err != nil {
			b.Fatal(err)
		}
		svcs = append(svcs, svc.ID)
	}
	var out []*model.Resource
	for h := range hosts {
		r := &model.Resource{TenantID: id, Name: fmt.Sprintf("%s-web-%03d", id, h), Kind: kinds[h%len(kinds)], ServiceID: &svcs[h%services], Labels: map[string]string{"os": "linux", "role": "web"}}
		if err := st.CreateResource(ctx, r); err != nil {
			b.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// benchBoardViews makes the console of opts (its store, authenticator and
// sessions filled in), signs in a new admin of that login and times b.N views of the board
// through the real handler, reporting the 95th percentile and the CPU a view.
func benchBoardViews(b *testing.B, db *sql.DB, login string, opts Options) {
	ctx := context.Background()
	hash, _ := auth.HashPassword(testPassword)
	u := &model.User{Login: login, Role: model.RoleAdmin, PasswordHash: hash}
	u.Normalize()
	if err := opts.Store.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	sessions := session.New(db, session.Options{})
	opts.Auth, opts.Sessions = auth.NewAuthenticator(opts.Store, nil), sessions
	c, err := New(opts)
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	c.Register(mux)
	w := httptest.NewRecorder()
	sessions.Start(ctx, w, httptest.NewRequest("POST", "/login", nil), u.ID)
	cookie := w.Result().Cookies()[0]

	times := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Process()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/board", nil)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		start := time.Now()
		mux.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != 200 {
			b.Fatalf("board = %d", rec.Code)
		}
	}
	b.StopTimer()
	// The process's CPU a view, which a loaded machine inflates less than
	// the wall time (the TSDB's own goroutines included).
	b.ReportMetric(float64((cputime.Process()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
}
