package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// serverCode is code the slim agent must not carry: its binary and its
// resident memory are what every customer host pays for.
var serverCode = []string{
	"github.com/prometheus/prometheus/promql",
	"github.com/prometheus/prometheus/tsdb",
	"github.com/prometheus/prometheus/storage",
	"github.com/signintech/gopdf",
	"github.com/chromedp",
	"modernc.org/sqlite",
	"github.com/jackc/pgx",
	"github.com/unyo-ops/unyo/internal/console",
	"github.com/unyo-ops/unyo/internal/database",
	"github.com/unyo-ops/unyo/internal/storage",
	"github.com/unyo-ops/unyo/internal/server",
	"github.com/unyo-ops/unyo/internal/api",
	"github.com/unyo-ops/unyo/internal/report",
	"github.com/unyo-ops/unyo/internal/metricstore",
	"github.com/unyo-ops/unyo/internal/monitoring",
	"github.com/unyo-ops/unyo/internal/cli",
}

// TestBinaryHasNoServerCode builds unyo-agent and lists the packages its
// symbols come from (go tool nm): none may be a server package, and the
// agent's own must be there (else the listing, not the binary, is wrong).
func TestBinaryHasNoServerCode(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "unyo-agent")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	pkgs := symbolPackages(string(out))
	for _, want := range []string{"github.com/unyo-ops/unyo/internal/agent", "github.com/unyo-ops/unyo/internal/agentcli", "github.com/unyo-ops/unyo/internal/logwatch"} {
		if !pkgs[want] {
			t.Errorf("the binary has no symbol of %s: the symbol listing is not what this test expects", want)
		}
	}
	for p := range pkgs {
		for _, bad := range serverCode {
			if p == bad || strings.HasPrefix(p, bad+"/") || strings.HasPrefix(p, bad+".") {
				t.Errorf("unyo-agent links server code: package %s (from %s)", p, bad)
			}
		}
	}
}

// symbolPackages returns the import paths of the packages the symbols of
// an `go tool nm` listing belong to.
func symbolPackages(nm string) map[string]bool {
	pkgs := map[string]bool{}
	for _, line := range strings.Split(nm, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		sym := f[len(f)-1]
		// A symbol is path/to/pkg.Name...; the path ends at the first dot
		// after the last slash.
		slash := strings.LastIndex(sym, "/")
		dot := strings.Index(sym[slash+1:], ".")
		if dot < 0 {
			continue
		}
		pkgs[sym[:slash+1+dot]] = true
	}
	return pkgs
}
