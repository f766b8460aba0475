package monitoring

import (
	"context"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"
)

func TestBuiltinsValidate(t *testing.T) {
	list, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := fs.Glob(builtinFS, "builtin/*.json")
	if len(files) != len(builtinOrder) {
		t.Fatalf("%d files in builtin/, %d in builtinOrder", len(files), len(builtinOrder))
	}
	for _, f := range files {
		if !slices.Contains(builtinOrder, builtinKey(f)) {
			t.Errorf("%s is not listed in builtinOrder", f)
		}
	}
	for _, tpl := range list {
		if tpl.Name != tpl.Builtin {
			t.Errorf("template %s: name %q differs from its file", tpl.Builtin, tpl.Name)
		}
		for _, it := range tpl.Items {
			if it.Title.Ja == "" || it.Title.En == "" {
				t.Errorf("%s/%s: a built-in item needs a title in both languages", tpl.Name, it.Name)
			}
		}
	}
}

func TestSyncBuiltinsKeepsIDsAndOverrides(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.SyncBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	tpls, err := s.Templates(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(tpls) != len(builtinOrder) {
		t.Fatalf("templates after sync = %d, want %d", len(tpls), len(builtinOrder))
	}
	linux := tpls[slices.IndexFunc(tpls, func(t *Template) bool { return t.Builtin == "linux-base" })]
	cpu := linux.Items[slices.IndexFunc(linux.Items, func(it *Item) bool { return it.Name == "cpu" })]
	o := &Override{TenantID: "acme", ItemID: cpu.ID, Critical: ptr(95.0)}
	if err := s.CreateOverride(ctx, o); err != nil {
		t.Fatal(err)
	}
	// A second start changes a threshold in the "code" and drops an item.
	if _, err := s.db.ExecContext(ctx, `UPDATE monitoring_items SET critical=1 WHERE id=?`, cpu.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO monitoring_items (tenant_id, template_id, resource_id, name, title, kind, description, spec,
		op, warning, critical, recovery, for_ms, interval_ms, severity, runbook_url, runbook_id, slr, incident_policy, notify, disabled, created_at, updated_at)
		SELECT tenant_id, template_id, resource_id, 'gone', title, kind, description, spec,
		op, warning, critical, recovery, for_ms, interval_ms, severity, runbook_url, runbook_id, slr, incident_policy, notify, disabled, created_at, updated_at
		FROM monitoring_items WHERE id=?`, cpu.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.SyncBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.Template(ctx, "acme", linux.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Items) != len(linux.Items) {
		t.Fatalf("items after resync = %d, want %d", len(got.Items), len(linux.Items))
	}
	again := got.Items[slices.IndexFunc(got.Items, func(it *Item) bool { return it.Name == "cpu" })]
	if again.ID != cpu.ID || *again.Threshold.Critical != 90 {
		t.Fatalf("cpu after resync: id %d (want %d), critical %v (want 90)", again.ID, cpu.ID, *again.Threshold.Critical)
	}
	if _, err := s.Override(ctx, "acme", o.ID); err != nil {
		t.Fatalf("override lost in resync: %v", err)
	}
}

// builtinKey is the built-in key of a file name.
func builtinKey(name string) string { return strings.TrimSuffix(path.Base(name), ".json") }
