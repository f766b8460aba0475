package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestReadyMeansLoginWorks: a script that waits for /readyz and at once calls
// the API with the admin password from UNYO_ADMIN_PASSWORD gets 200, on every
// one of several fresh starts.
func TestReadyMeansLoginWorks(t *testing.T) {
	for i := 0; i < 6; i++ {
		dir, addr := t.TempDir(), freeAddr(t)
		cmd := exec.Command(binary, "server", "--listen", addr, "--data", dir, "--log-level", "warn", "--monitor-self=false")
		cmd.Env = append(os.Environ(), "UNYO_ADMIN_PASSWORD="+adminPassword)
		out := &syncBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		stop := func() { cmd.Process.Kill(); <-done }

		deadline := time.Now().Add(60 * time.Second)
		for !ready("http://" + addr) {
			select {
			case <-done:
				t.Fatalf("start %d: unyo exited: %s", i, out)
			default:
			}
			if time.Now().After(deadline) {
				stop()
				t.Fatalf("start %d: not ready after 60s: %s", i, out)
			}
			time.Sleep(2 * time.Millisecond)
		}
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/v1/tenants", nil)
		req.SetBasicAuth("admin", adminPassword)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			stop()
			t.Fatal(err)
		}
		resp.Body.Close()
		stop()
		if resp.StatusCode != 200 {
			t.Fatalf("start %d: the API right after /readyz = %d, want 200", i, resp.StatusCode)
		}
	}
}

func ready(url string) bool {
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// TestShortAdminPasswordFailsBeforeListening: a too-short UNYO_ADMIN_PASSWORD
// stops the server with a non-zero exit and a message naming it, before it
// opens its data or listens.
func TestShortAdminPasswordFailsBeforeListening(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	cmd := exec.Command(binary, "server", "--listen", addr, "--data", dir, "--log-level", "info", "--monitor-self=false")
	cmd.Env = append(os.Environ(), "UNYO_ADMIN_PASSWORD=short")
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil || cmd.ProcessState.ExitCode() == 0 {
			t.Fatalf("unyo exited 0 with a 5-character admin password: %s", out)
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("unyo still running 60s after start with a short admin password: %s", out)
	}
	msg := out.String()
	if !strings.Contains(msg, "UNYO_ADMIN_PASSWORD") || !strings.Contains(msg, "at least 12 characters") {
		t.Fatalf("the message does not say what is wrong: %s", msg)
	}
	if strings.Contains(msg, "server started") || strings.Contains(msg, "unyo is running") {
		t.Fatalf("unyo listened before refusing the password: %s", msg)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("unyo created its data directory before refusing the password (%v)", err)
	}
}
