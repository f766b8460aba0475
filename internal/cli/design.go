package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/blueprint"
)

// runValidate is `unyo validate DIR`: the customer folder checked offline,
// every problem printed as file:line:col: field: reason.
func runValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("unyo validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	templates := fs.String("templates", "", "folder of the shared templates (default: DIR/../templates)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: unyo validate [--templates DIR] DIR")
		return 2
	}
	d, err := blueprint.Load(fs.Arg(0), blueprint.Options{TemplatesDir: *templates})
	if err != nil {
		return printLoadError(stderr, err)
	}
	fmt.Fprintf(stdout, "%s: tenant %s is valid (%s)\n", fs.Arg(0), d.Tenant, summary(d))
	return 0
}

func printLoadError(stderr io.Writer, err error) int {
	var probs blueprint.Problems
	if errors.As(err, &probs) {
		for _, p := range probs {
			fmt.Fprintln(stderr, p.String())
		}
		fmt.Fprintf(stderr, "%d problem(s)\n", len(probs))
		return 1
	}
	fmt.Fprintln(stderr, "unyo:", err)
	return 1
}

func summary(d *blueprint.Design) string {
	return fmt.Sprintf("%d services, %d resources, %d templates, %d assignments, %d channels, %d escalation policies, %d maintenance windows, %d runbooks",
		len(d.Services), len(d.Resources), len(d.Templates), len(d.Assignments), len(d.Channels), len(d.EscalationPolicies), len(d.MaintenanceWindows), len(d.Runbooks))
}

// designFlags are plan's and apply's.
type designFlags struct {
	server, token, templates, commit string
	prune                            bool
}

func (f *designFlags) parse(name string, args []string, stderr io.Writer) (string, bool) {
	fs := flag.NewFlagSet("unyo "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.server, "server", env("UNYO_SERVER", "http://127.0.0.1:8080"), "URL of the unyo server (env UNYO_SERVER)")
	fs.StringVar(&f.token, "token", "", "API token; better given in the environment as UNYO_TOKEN, out of ps")
	fs.StringVar(&f.templates, "templates", "", "folder of the shared templates (default: DIR/../templates)")
	fs.StringVar(&f.commit, "commit", "", "the design's commit for the audit log (default: git rev-parse HEAD in DIR)")
	fs.BoolVar(&f.prune, "prune", false, "delete the tenant's objects the design does not name")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintf(stderr, "usage: unyo %s [--server URL] [--prune] DIR (token in UNYO_TOKEN)\n", name)
		return "", false
	}
	if f.token == "" {
		f.token = os.Getenv("UNYO_TOKEN")
	}
	if f.commit == "" {
		f.commit = gitHead(fs.Arg(0))
	}
	return fs.Arg(0), true
}

func gitHead(dir string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// runPlan is `unyo plan DIR`: exit 0 without changes, 2 with changes, 1 on
// an error.
func runPlan(args []string, stdout, stderr io.Writer) int {
	return runDesign("plan", args, stdout, stderr)
}

// runApply is `unyo apply DIR`.
func runApply(args []string, stdout, stderr io.Writer) int {
	return runDesign("apply", args, stdout, stderr)
}

func runDesign(verb string, args []string, stdout, stderr io.Writer) int {
	var f designFlags
	dir, ok := f.parse(verb, args, stderr)
	if !ok {
		return 2
	}
	d, err := blueprint.Load(dir, blueprint.Options{TemplatesDir: f.templates, Resolve: blueprint.Environment(dir)})
	if err != nil {
		return printLoadError(stderr, err)
	}
	c := &apiClient{base: strings.TrimRight(f.server, "/"), token: f.token, http: &http.Client{Timeout: 5 * time.Minute}}
	req := blueprint.Request{Design: *d, Prune: f.prune, Commit: f.commit}
	path := "/api/v1/tenants/" + url.PathEscape(d.Tenant) + "/design/" + verb
	var plan *blueprint.Plan
	if verb == "plan" {
		plan = &blueprint.Plan{}
		err = c.do("POST", path, req, plan)
	} else {
		var res blueprint.Result
		err = c.do("POST", path, req, &res)
		plan = res.Plan
	}
	if err != nil {
		fmt.Fprintln(stderr, "unyo:", err)
		return 1
	}
	blueprint.WritePlan(stdout, plan, verb == "apply")
	if verb == "plan" && !plan.Empty() {
		return 2
	}
	return 0
}

// runExport is `unyo export TENANT`: the tenant's design written as a
// customer folder, which then plans to no changes.
func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("unyo export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", env("UNYO_SERVER", "http://127.0.0.1:8080"), "URL of the unyo server (env UNYO_SERVER)")
	token := fs.String("token", "", "API token; better given in the environment as UNYO_TOKEN")
	out := fs.String("o", "", "folder to write (default: the tenant's ID); it must be empty or absent")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: unyo export [--server URL] [-o DIR] TENANT (token in UNYO_TOKEN)")
		return 2
	}
	if *token == "" {
		*token = os.Getenv("UNYO_TOKEN")
	}
	tenant := fs.Arg(0)
	dir := *out
	if dir == "" {
		dir = tenant
	}
	c := &apiClient{base: strings.TrimRight(*server, "/"), token: *token, http: &http.Client{Timeout: 5 * time.Minute}}
	var d blueprint.Design
	if err := c.do("GET", "/api/v1/tenants/"+url.PathEscape(tenant)+"/design/export", nil, &d); err != nil {
		fmt.Fprintln(stderr, "unyo:", err)
		return 1
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		fmt.Fprintf(stderr, "unyo: %s is not empty\n", dir)
		return 1
	}
	files, err := blueprint.Files(&d)
	if err != nil {
		fmt.Fprintln(stderr, "unyo:", err)
		return 1
	}
	for _, name := range sortedNames(files) {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fmt.Fprintln(stderr, "unyo:", err)
			return 1
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			fmt.Fprintln(stderr, "unyo:", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, "wrote %s (%s)\n", dir, summary(&d))
	if refs := blueprint.References(&d); len(refs) > 0 {
		fmt.Fprintln(stdout, "secrets are not exported; set these before planning:")
		for _, r := range refs {
			fmt.Fprintln(stdout, "  "+r)
		}
	}
	return 0
}

func sortedNames(m map[string][]byte) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
