package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/auth"
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
	ctx := context.Background()
	db, err := database.Open(ctx, dbtest.URLFor(b, d))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st := ustorage.New(db)
	kinds := []string{"host", "database", "web", "load_balancer"}
	for i := range 100 {
		id := fmt.Sprintf("tenant-%03d", i)
		if err := st.CreateTenant(ctx, &model.Tenant{ID: id, Name: fmt.Sprintf("お客様 %03d", i), Language: "ja", TimeZone: "Asia/Tokyo"}); err != nil {
			b.Fatal(err)
		}
		var svcs []int64
		for s := range 4 {
			svc := &model.Service{TenantID: id, Name: fmt.Sprintf("svc-%d", s)}
			if err := st.CreateService(ctx, svc); err != nil {
				b.Fatal(err)
			}
			svcs = append(svcs, svc.ID)
		}
		for r := range 20 {
			res := &model.Resource{TenantID: id, Name: fmt.Sprintf("%s-%02d", id, r), Kind: kinds[r%4], ServiceID: &svcs[r%4], Labels: map[string]string{"os": "linux", "role": "web"}}
			if err := st.CreateResource(ctx, res); err != nil {
				b.Fatal(err)
			}
		}
	}
	hash, _ := auth.HashPassword(testPassword)
	u := &model.User{Login: "admin", Role: model.RoleAdmin, PasswordHash: hash}
	u.Normalize()
	if err := st.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	sessions := session.New(db, session.Options{})
	c, err := New(Options{Store: st, Auth: auth.NewAuthenticator(st, nil), Sessions: sessions})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	c.Register(mux)
	w := httptest.NewRecorder()
	sessions.Start(ctx, w, httptest.NewRequest("POST", "/login", nil), u.ID)
	cookie := w.Result().Cookies()[0]

	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
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
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
}
