package logwatch

import (
	"path/filepath"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
)

func TestConfigRefused(t *testing.T) {
	dir := t.TempDir()
	good := func() Config {
		return Config{Item: "web", Glob: filepath.Join(dir, "*.log"), Patterns: []Pattern{
			{Name: "error", Regexp: `ERROR`, Severity: SeverityCritical},
		}}
	}
	f := func(change func(*Config), wantField string) {
		t.Helper()
		c := good()
		change(&c)
		_, err := New([]Config{c}, "", func(Event) {}, nil)
		e, ok := invalid.As(err)
		if !ok {
			t.Fatalf("New error = %v, want *invalid.Error for %s", err, wantField)
		}
		if e.Field != wantField {
			t.Fatalf("field = %q (%v), want %q", e.Field, err, wantField)
		}
	}
	f(func(c *Config) { c.Patterns[0].Regexp = `ERROR(` }, "logs[web].patterns[0].regexp")
	f(func(c *Config) { c.Patterns[0].Regexp = `` }, "logs[web].patterns[0].regexp")
	f(func(c *Config) { c.Glob = filepath.Join(dir, "[*.log") }, "logs[web].glob")
	f(func(c *Config) { c.Glob = "relative/*.log" }, "logs[web].glob")
	f(func(c *Config) { c.Glob = "" }, "logs[web].glob")
	f(func(c *Config) { c.Item = "" }, "logs[0].item")
	f(func(c *Config) { c.Exclude = []string{"[x"} }, "logs[web].exclude[0]")
	f(func(c *Config) { c.Patterns = nil }, "logs[web].patterns")
	f(func(c *Config) { c.Patterns[0].Name = "" }, "logs[web].patterns[0].name")
	f(func(c *Config) { c.Patterns = append(c.Patterns, c.Patterns[0]) }, "logs[web].patterns[1].name")
	f(func(c *Config) { c.Patterns[0].Severity = "error" }, "logs[web].patterns[0].severity")
	f(func(c *Config) { c.StartAt = "middle" }, "logs[web].start_at")
	f(func(c *Config) { c.FlushTimeout = -1 }, "logs[web].flush_timeout")

	if err := good().Validate(); err != nil {
		t.Fatalf("Validate(good) = %v", err)
	}
	c := good()
	c.Patterns[0].Regexp = `(?P<x`
	if e, ok := invalid.As(c.Validate()); !ok || e.Field != "patterns[0].regexp" {
		t.Fatalf("Validate = %v, want patterns[0].regexp", c.Validate())
	}
	_, err := New([]Config{good(), good()}, "", func(Event) {}, nil)
	if e, ok := invalid.As(err); !ok || e.Field != "logs[web].item" {
		t.Fatalf("duplicate item: %v", err)
	}
}

func TestReconfigureRefusesBadConfig(t *testing.T) {
	_, path := tempLog(t)
	h := start(t, []Config{anyLine(path)}, "")
	bad := anyLine(path)
	bad.Patterns[0].Regexp = "(("
	if _, ok := invalid.As(h.w.Reconfigure([]Config{bad})); !ok {
		t.Fatal("Reconfigure accepted a bad regexp")
	}
}
