package blueprint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Problem is one refusal of a file: where, which field, why.
type Problem struct {
	Position
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	if p.Field == "" {
		return p.Position.String() + ": " + p.Reason
	}
	return p.Position.String() + ": " + p.Field + ": " + p.Reason
}

// Problems is every refusal of a folder, in file and line order.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Options changes how a folder is loaded.
type Options struct {
	// TemplatesDir is the folder of shared templates; "" is "templates"
	// beside the customer folder (DIR/../templates).
	TemplatesDir string
	// Resolve replaces a secret reference (${env:NAME}, ${file:path}) by
	// its value; nil leaves the references as they are (validate, offline).
	Resolve func(kind, arg string) (string, error)
}

// Load reads the customer folder dir: every *.yaml and *.yml file in it
// (not below it), joined into one Design. All problems found are returned
// together as Problems.
func Load(dir string, opt Options) (*Design, error) {
	names, err := yamlFiles(dir)
	if err != nil {
		return nil, err
	}
	l := &loader{dir: dir, opt: opt}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("blueprint: cannot read %s: %w", name, err)
		}
		l.addFile(name, data)
	}
	return l.finish()
}

// LoadFiles is Load of files given by name and content, with no folder
// (the fuzz target, and tests).
func LoadFiles(files map[string][]byte, opt Options) (*Design, error) {
	l := &loader{opt: opt}
	for _, name := range sortedKeys(files) {
		l.addFile(name, files[name])
	}
	return l.finish()
}

func yamlFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("blueprint: cannot read the folder: %w", err)
	}
	var names []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("blueprint: no .yaml files in %s", dir)
	}
	return names, nil
}

// loader joins files into a Design, remembering which file and path each
// object of the joined lists came from.
type loader struct {
	dir    string
	opt    Options
	probs  Problems
	trees  []*tree
	tenant string
	origin map[string]origin // joined path ("services[3]") → where it was written
	merged map[string][]any
	single map[string]any // the one-per-tenant objects (tenant_settings, status_page…), by key
	shared []sharedRef
	now    time.Time // what validation compares times with: zero is the system's clock
}

type origin struct {
	t    *tree
	path string
}

type sharedRef struct {
	name string
	at   origin
}

func (l *loader) addFile(name string, data []byte) {
	if l.origin == nil {
		l.origin, l.merged = map[string]origin{}, map[string][]any{}
	}
	t, v := parse(name, data)
	l.trees = append(l.trees, t)
	if len(t.probs) > 0 {
		l.probs = append(l.probs, t.probs...)
		return
	}
	var fps []fieldProblem
	fileSchema().check(v, "", &fps)
	for _, fp := range fps {
		l.failAt(origin{t, fp.path}, "", fp.reason, strings.HasSuffix(fp.reason, "is not a field here") || strings.Contains(fp.reason, "did you mean"))
	}
	if len(fps) > 0 {
		return
	}
	m, _ := v.(map[string]any)
	if tenant, ok := m["tenant"].(string); ok {
		if l.tenant != "" && l.tenant != tenant {
			l.failAt(origin{t, "tenant"}, "", fmt.Sprintf("is %q here but %q in another file", tenant, l.tenant), false)
		}
		l.tenant = tenant
	}
	for _, k := range sortedKeys(m) {
		if obj, ok := m[k].(map[string]any); ok { // a one-per-tenant object: in one file only
			l.addSingle(t, k, obj)
			continue
		}
		list, ok := m[k].([]any)
		if !ok {
			continue
		}
		if k == "shared_templates" {
			for i, e := range list {
				l.shared = append(l.shared, sharedRef{e.(string), origin{t, fmt.Sprintf("%s[%d]", k, i)}})
			}
			continue
		}
		for i, e := range list {
			l.origin[fmt.Sprintf("%s[%d]", k, len(l.merged[k]))] = origin{t, fmt.Sprintf("%s[%d]", k, i)}
			l.merged[k] = append(l.merged[k], e)
		}
	}
}

func (l *loader) addSingle(t *tree, k string, obj map[string]any) {
	if l.single == nil {
		l.single = map[string]any{}
	}
	if o, dup := l.origin[k]; dup {
		pos, _ := o.t.where(k, true)
		l.failAt(origin{t, k}, "", fmt.Sprintf("is given here and in %s: one per tenant", pos), true)
		return
	}
	l.origin[k] = origin{t, k}
	l.single[k] = obj
}

// failAt records a problem at path of the joined design; rel is a field
// below the object path names.
func (l *loader) fail(joined, rel, reason string) {
	o, ok := l.origin[joined]
	if !ok {
		l.probs = append(l.probs, Problem{Position: Position{File: "(design)", Line: 1, Col: 1}, Field: join(joined, rel), Reason: reason})
		return
	}
	l.failAt(o, rel, reason, false)
}

func (l *loader) failAt(o origin, rel, reason string, key bool) {
	path := o.path
	if rel != "" {
		if rel[0] == '[' {
			path += rel
		} else {
			path = join(path, rel)
		}
	}
	pos, _ := o.t.where(path, key)
	l.probs = append(l.probs, Problem{Position: pos, Field: path, Reason: reason})
}

func (l *loader) finish() (*Design, error) {
	if l.tenant == "" && len(l.probs) == 0 {
		file := "(no file)"
		if len(l.trees) > 0 {
			file = l.trees[0].file
		}
		l.probs = append(l.probs, Problem{Position: Position{file, 1, 1}, Field: "tenant", Reason: "no file names the tenant (tenant: <id>)"})
	}
	if len(l.probs) > 0 {
		return nil, l.sorted()
	}
	d, err := l.decode()
	if err != nil {
		return nil, err
	}
	l.includeShared(d)
	l.readRunbooks(d)
	l.secrets(d)
	l.validate(d)
	if len(l.probs) > 0 {
		return nil, l.sorted()
	}
	return d, nil
}

func (l *loader) sorted() Problems {
	sort.SliceStable(l.probs, func(i, j int) bool {
		a, b := l.probs[i], l.probs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	return l.probs
}

// decode turns the joined, schema-checked values into the typed Design.
func (l *loader) decode() (*Design, error) {
	joined := map[string]any{"tenant": l.tenant}
	for k, v := range l.merged {
		joined[k] = v
	}
	for k, v := range l.single {
		joined[k] = v
	}
	raw, err := json.Marshal(joined)
	if err != nil {
		return nil, fmt.Errorf("blueprint: %w", err)
	}
	var d Design
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			l.fail(te.Field, "", "is not "+te.Type.String())
			return nil, l.sorted()
		}
		return nil, fmt.Errorf("blueprint: %w", err)
	}
	return &d, nil
}

// includeShared adds the shared templates the files name.
func (l *loader) includeShared(d *Design) {
	dir := l.opt.TemplatesDir
	if dir == "" && l.dir != "" {
		dir = filepath.Join(l.dir, "..", "templates")
	}
	for _, ref := range l.shared {
		if !nameRE.MatchString(ref.name) {
			l.failAt(ref.at, "", "is not a template name", false)
			continue
		}
		name := ref.name + ".yaml"
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || dir == "" {
			l.failAt(ref.at, "", fmt.Sprintf("no shared template %s in %s", name, dir), false)
			continue
		}
		t, v := parse(filepath.Join(dir, name), data)
		l.trees = append(l.trees, t)
		if len(t.probs) > 0 {
			l.probs = append(l.probs, t.probs...)
			continue
		}
		var fps []fieldProblem
		templateSchema().check(v, "", &fps)
		for _, fp := range fps {
			l.failAt(origin{t, fp.path}, "", fp.reason, strings.Contains(fp.reason, "is not a field here"))
		}
		if len(fps) > 0 {
			continue
		}
		raw, _ := json.Marshal(v)
		var tpl Template
		if err := json.Unmarshal(raw, &tpl); err != nil {
			l.failAt(origin{t, ""}, "", err.Error(), false)
			continue
		}
		if tpl.Name != ref.name {
			l.failAt(origin{t, "name"}, "", fmt.Sprintf("is %q but the file is included as %q", tpl.Name, ref.name), false)
			continue
		}
		l.origin[fmt.Sprintf("templates[%d]", len(d.Templates))] = origin{t, ""}
		d.Templates = append(d.Templates, tpl)
	}
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// readRunbooks reads the Markdown file each runbook names.
func (l *loader) readRunbooks(d *Design) {
	for i := range d.Runbooks {
		rb := &d.Runbooks[i]
		at := fmt.Sprintf("runbooks[%d]", i)
		switch {
		case rb.File != "" && rb.Body != "":
			l.fail(at, "file", "give a file or a body, not both")
		case rb.File == "":
		case l.dir == "":
			l.fail(at, "file", "runbook files are read from the customer folder")
		default:
			clean := filepath.Clean(rb.File)
			if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
				l.fail(at, "file", "must be a path inside the customer folder")
				continue
			}
			data, err := fs.ReadFile(os.DirFS(l.dir), filepath.ToSlash(clean))
			if err != nil {
				l.fail(at, "file", fmt.Sprintf("cannot read %s", rb.File))
				continue
			}
			rb.Body, rb.File = string(data), ""
		}
	}
}
