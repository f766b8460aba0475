package cli

import (
	"io"
	"net"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/database/dbtest"
)

// pgDoor is a TCP port in front of the throwaway PostgreSQL's socket that
// the test closes (every connection cut, new ones refused) and opens again,
// as a database host that goes away and comes back.
type pgDoor struct {
	t      *testing.T
	addr   string
	socket string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func newPGDoor(t *testing.T, dsn string) *pgDoor {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	d := &pgDoor{t: t, socket: filepath.Join(u.Query().Get("host"), ".s.PGSQL.5432")}
	d.open("127.0.0.1:0")
	t.Cleanup(d.close)
	return d
}

func (d *pgDoor) open(addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		d.t.Fatal(err)
	}
	d.mu.Lock()
	d.ln, d.addr = ln, ln.Addr().String()
	d.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			pg, err := net.Dial("unix", d.socket)
			if err != nil {
				c.Close()
				continue
			}
			d.mu.Lock()
			d.conns = append(d.conns, c, pg)
			d.mu.Unlock()
			go func() { io.Copy(pg, c); pg.Close() }()
			go func() { io.Copy(c, pg); c.Close() }()
		}
	}()
}

func (d *pgDoor) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ln.Close()
	for _, c := range d.conns {
		c.Close()
	}
	d.conns = nil
}

// TestReadyzFollowsTheDatabase: /readyz answers 503, naming the database,
// while the replica cannot reach PostgreSQL, and 200 again once it can;
// /healthz (the process lives) stays 200 throughout.
func TestReadyzFollowsTheDatabase(t *testing.T) {
	dsn := dbtest.URLFor(t, database.Postgres)
	door := newPGDoor(t, dsn)
	u, _ := url.Parse(dsn)
	tcp := "postgres://postgres@" + door.addr + u.Path + "?sslmode=disable&connect_timeout=2"
	r := startReplica(t, tcp, sharedKey(t))
	select { // started through: a failure to start is another matter (the process exits)
	case <-r.a.alerts.Loaded():
	case <-time.After(10 * time.Second):
		t.Fatal("the alert engine never loaded")
	}

	door.close()
	awaitCond(t, 10*time.Second, "/readyz to answer 503", func() bool { return r.status("GET", "/readyz", nil, nil) == 503 })
	if c := r.status("GET", "/healthz", nil, nil); c != 200 {
		t.Errorf("/healthz with the database away = %d, want 200", c)
	}
	door.open(door.addr)
	awaitCond(t, 10*time.Second, "/readyz to answer 200 again", func() bool { return r.status("GET", "/readyz", nil, nil) == 200 })
}
