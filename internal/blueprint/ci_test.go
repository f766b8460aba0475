package blueprint

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// TestCIExamples holds the template's example pipelines to the structure
// GitHub Actions and CircleCI require, and to what the pipelines must do:
// validate and plan on a pull request, apply on merge to production with
// the token from CI secrets. The workflow is validated against
// SchemaStore's github-workflow schema (testdata/ci, with its source);
// no CircleCI schema is available offline, so the config is checked by a
// strict check of the parts of SchemaStore's circleciconfig it uses. They
// are not run on those services.
func TestCIExamples(t *testing.T) {
	root := filepath.Join("..", "..", "examples", "customer-template")
	read := func(path string) map[string]any {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if !strings.HasPrefix(string(b), "# EXAMPLE") {
			t.Fatalf("%s does not say it is an example not run here", path)
		}
		return m
	}
	t.Run("github", func(t *testing.T) {
		wf := read(".github/workflows/unyo.yml")
		checkWorkflow(t, wf)
		schema := workflowSchema(t)
		if err := schema.Validate(asJSON(t, wf)); err != nil {
			t.Errorf("the workflow is not valid against SchemaStore's github-workflow schema:\n%v", err)
		}
		// The schema refuses what GitHub would: a job with no runs-on, a
		// step key misspelt.
		jobs := wf["jobs"].(map[string]any)
		delete(jobs["plan"].(map[string]any), "runs-on")
		jobs["apply"].(map[string]any)["steps"].([]any)[0].(map[string]any)["usess"] = "actions/checkout@v4"
		err := schema.Validate(asJSON(t, wf))
		if err == nil || !strings.Contains(err.Error(), "runs-on") || !strings.Contains(err.Error(), "usess") {
			t.Errorf("a broken workflow is not refused by the schema: %v", err)
		}
	})
	t.Run("circleci", func(t *testing.T) {
		checkCircle(t, read(".circleci/config.yml"))
	})
}

func keysIn(t *testing.T, where string, m map[string]any, allowed ...string) {
	t.Helper()
	for k := range m {
		if !slices.Contains(allowed, k) {
			t.Errorf("%s: %q is not a key GitHub Actions or CircleCI knows here", where, k)
		}
	}
}

func asMap(t *testing.T, where string, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: want a mapping, got %T", where, v)
	}
	return m
}

func asList(t *testing.T, where string, v any) []any {
	t.Helper()
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		t.Fatalf("%s: want a non-empty list, got %T", where, v)
	}
	return l
}

func checkWorkflow(t *testing.T, wf map[string]any) {
	keysIn(t, "workflow", wf, "name", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs")
	on := asMap(t, "on", wf["on"])
	keysIn(t, "on", on, "pull_request", "push", "workflow_dispatch")
	for _, ev := range []string{"pull_request", "push"} {
		branches := asList(t, "on."+ev+".branches", asMap(t, "on."+ev, on[ev])["branches"])
		if !slices.Contains(branches, any("production")) {
			t.Errorf("on.%s does not name the production branch", ev)
		}
	}
	for scope, level := range asMap(t, "permissions", wf["permissions"]) {
		if level != "read" && level != "write" && level != "none" {
			t.Errorf("permissions.%s: %v", scope, level)
		}
	}
	jobs := asMap(t, "jobs", wf["jobs"])
	var all string
	for name, j := range jobs {
		job := asMap(t, "jobs."+name, j)
		keysIn(t, "jobs."+name, job, "name", "if", "runs-on", "environment", "env", "steps", "permissions", "needs", "timeout-minutes", "concurrency")
		if _, ok := job["runs-on"].(string); !ok {
			t.Errorf("jobs.%s: runs-on is required", name)
		}
		for i, s := range asList(t, "jobs."+name+".steps", job["steps"]) {
			step := asMap(t, "step", s)
			keysIn(t, "jobs."+name+".steps", step, "name", "id", "if", "uses", "run", "with", "env", "shell", "working-directory", "continue-on-error", "timeout-minutes")
			_, uses := step["uses"].(string)
			_, run := step["run"].(string)
			if uses == run {
				t.Errorf("jobs.%s.steps[%d]: exactly one of uses and run", name, i)
			}
			if run {
				all += name + ": " + step["run"].(string) + "\n"
			}
			if cmd, _ := step["run"].(string); strings.Contains(cmd, "unyo plan") || strings.Contains(cmd, "unyo apply") {
				env, _ := step["env"].(map[string]any)
				if tok, _ := env["UNYO_TOKEN"].(string); !strings.Contains(tok, "secrets.UNYO_TOKEN") {
					t.Errorf("jobs.%s.steps[%d]: the token must come from the repository's secrets", name, i)
				}
			}
		}
	}
	for _, want := range []string{"plan: unyo validate unyo", "plan: unyo plan unyo > plan.txt || test $? -eq 2", "apply: unyo apply"} {
		if !strings.Contains(all, want) {
			t.Errorf("the workflow does not run %q", want)
		}
	}
	if !strings.Contains(asMap(t, "jobs.apply", jobs["apply"])["if"].(string), "refs/heads/production") {
		t.Error("apply runs on other branches than production")
	}
}

func checkCircle(t *testing.T, cfg map[string]any) {
	keysIn(t, "config", cfg, "version", "orbs", "executors", "commands", "jobs", "workflows", "parameters")
	if cfg["version"] != 2.1 {
		t.Errorf("version %v, want 2.1", cfg["version"])
	}
	commands := asMap(t, "commands", cfg["commands"])
	executors := asMap(t, "executors", cfg["executors"])
	jobs := asMap(t, "jobs", cfg["jobs"])
	var all string
	for name, j := range jobs {
		job := asMap(t, "jobs."+name, j)
		keysIn(t, "jobs."+name, job, "executor", "docker", "machine", "steps", "environment", "parameters", "working_directory", "resource_class")
		if ex, ok := job["executor"].(string); ok && executors[ex] == nil {
			t.Errorf("jobs.%s: no executor %q", name, ex)
		}
		for i, s := range asList(t, "jobs."+name+".steps", job["steps"]) {
			switch s := s.(type) {
			case string:
				if s != "checkout" && commands[s] == nil {
					t.Errorf("jobs.%s.steps[%d]: no command %q", name, i, s)
				}
			case map[string]any:
				if len(s) != 1 {
					t.Errorf("jobs.%s.steps[%d]: one step per list entry", name, i)
				}
				for k, v := range s {
					keysIn(t, "step", map[string]any{k: nil}, "run", "store_artifacts", "persist_to_workspace", "attach_workspace", "save_cache", "restore_cache")
					if k == "run" {
						run := asMap(t, "run", v)
						keysIn(t, "run", run, "name", "command", "environment", "when", "shell")
						all += name + ": " + run["command"].(string) + "\n"
					}
				}
			default:
				t.Errorf("jobs.%s.steps[%d]: %T", name, i, s)
			}
		}
	}
	for _, want := range []string{"plan: unyo validate unyo", "unyo plan unyo > out/plan.txt || test $? -eq 2", "apply: unyo apply"} {
		if !strings.Contains(all, want) {
			t.Errorf("the config does not run %q", want)
		}
	}
	wf := asMap(t, "workflows.unyo", asMap(t, "workflows", cfg["workflows"])["unyo"])
	for _, e := range asList(t, "workflows.unyo.jobs", wf["jobs"]) {
		for name, v := range asMap(t, "workflow job", e) {
			if jobs[name] == nil {
				t.Errorf("workflow runs no job %q", name)
			}
			opts := asMap(t, "workflow job "+name, v)
			branches := asMap(t, "filters.branches", asMap(t, "filters", opts["filters"])["branches"])
			if name == "apply" && branches["only"] != "production" {
				t.Errorf("apply filters %v, want only production", branches)
			}
			if opts["context"] == nil {
				t.Errorf("%s takes no context: where would its token come from?", name)
			}
		}
	}
}

// workflowSchema compiles the vendored github-workflow schema.
func workflowSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "ci", "github-workflow.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const id = "https://json.schemastore.org/github-workflow.json"
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// asJSON is v as the validator takes it: the YAML's values through JSON.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return out
}
