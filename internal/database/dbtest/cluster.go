package dbtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
)

// EnvDurable=on starts the cluster with fsync and synchronous commit on, as
// a production server runs: benchmarks that compare the dialects set it.
const EnvDurable = "UNYO_TEST_PG_DURABLE"

// templateName is the database migrated once and copied for each test.
const templateName = "unyo_template"

// pgCluster is one throwaway PostgreSQL cluster: its data directory and
// Unix socket live in one temporary directory, it listens on no TCP port,
// and it runs without fsync (a test does not outlive a power loss).
type pgCluster struct {
	dir  string // data in dir/data, the socket in dir
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   sync.Mutex // CREATE DATABASE from one template, one at a time
	exit chan struct{}
}

var (
	once    sync.Once
	shared  *pgCluster
	started error
)

func cluster() (*pgCluster, error) {
	once.Do(func() { shared, started = start() })
	return shared, started
}

// Stop stops the shared cluster, if it was started, and removes its files.
func Stop() {
	if shared == nil {
		return
	}
	c := shared
	c.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	select {
	case <-c.exit:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		<-c.exit
	}
	os.RemoveAll(c.dir)
}

// binDir finds the PostgreSQL server programs of the Debian package.
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	if d := os.Getenv("UNYO_PG_BIN"); d != "" {
		dirs = []string{d}
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("dbtest: PostgreSQL server programs not found under /usr/lib/postgresql/*/bin: install the Debian package postgresql (make deps)")
}

// asPostgres runs cmd as the postgres user when this process is root:
// initdb and postgres refuse to run as root.
func asPostgres(cmd *exec.Cmd, dir string) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the tests
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("dbtest: running as root needs the user postgres (Debian package postgresql): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	}); err != nil {
		return fmt.Errorf("dbtest: %w", err)
	}
	cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	return nil
}

func start() (*pgCluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	removeStale()
	dir, err := os.MkdirTemp("", "unyo-pg-")
	if err != nil {
		return nil, fmt.Errorf("dbtest: %w", err)
	}
	c := &pgCluster{dir: dir, log: &bytes.Buffer{}, exit: make(chan struct{})}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync")
	if err := asPostgres(initdb, dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("dbtest: initdb: %w\n%s", err, out)
	}
	durable := "off"
	if os.Getenv(EnvDurable) == "on" {
		durable = "on"
	}
	c.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir,
		"-c", "listen_addresses=", "-c", "fsync="+durable, "-c", "synchronous_commit="+durable,
		"-c", "full_page_writes="+durable, "-c", "max_connections=300", "-c", "shared_buffers=32MB")
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	if err := asPostgres(c.cmd, dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("dbtest: postgres: %w", err)
	}
	go func() { c.cmd.Wait(); close(c.exit) }()
	if err := c.ready(); err != nil {
		shared = c
		Stop()
		shared = nil
		return nil, err
	}
	if err := c.createDatabase(templateName, "template0"); err != nil {
		return c, err
	}
	db, err := database.Open(context.Background(), c.url(templateName))
	if err != nil {
		return c, fmt.Errorf("dbtest: migrating the template: %w", err)
	}
	db.Close()
	return c, nil
}

// url is the URL of database name in the cluster, over its Unix socket.
func (c *pgCluster) url(name string) string {
	return "postgres://postgres@/" + name + "?host=" + url.QueryEscape(c.dir) + "&sslmode=disable"
}

// ready waits until the cluster accepts connections.
func (c *pgCluster) ready() error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		db, err := database.Connect(context.Background(), c.url("postgres"))
		if err == nil {
			db.Close()
			return nil
		}
		select {
		case <-c.exit:
			return fmt.Errorf("dbtest: postgres exited: %s", c.log)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dbtest: postgres not ready after 60s: %v\n%s", err, c.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *pgCluster) createDatabase(name, template string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	db, err := database.Connect(context.Background(), c.url("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := database.Writer(db).ExecContext(context.Background(), `CREATE DATABASE `+name+` TEMPLATE `+template); err != nil {
		return fmt.Errorf("dbtest: create database %s: %w", name, err)
	}
	return nil
}

// removeStale removes the directories of clusters whose test binary died
// without stopping them (a panic, a timeout): their postmaster is gone (the
// parent-death signal killed it) but the files stay. A directory younger
// than ten minutes may be another binary's cluster still starting, and one
// whose postmaster (or initdb's standalone backend, written as a negative
// PID) runs is in use: both are left alone.
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "unyo-pg-*"))
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || time.Since(fi.ModTime()) < 10*time.Minute {
			continue
		}
		if pid, err := os.ReadFile(filepath.Join(d, "data", "postmaster.pid")); err == nil {
			line, _, _ := bytes.Cut(pid, []byte("\n"))
			n, err := strconv.Atoi(strings.TrimPrefix(string(bytes.TrimSpace(line)), "-"))
			if err != nil {
				continue
			}
			if _, err := os.Stat("/proc/" + strconv.Itoa(n)); err == nil {
				continue // running
			}
		}
		os.RemoveAll(d)
	}
}
