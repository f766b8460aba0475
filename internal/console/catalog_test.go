package console

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// latinInJapanese are the catalog words a Japanese reader reads in Latin
// letters, often the same as in English: product and vendor names,
// protocol words, units, code.
var latinInJapanese = map[string]bool{
	"app": true, "none": true, "prio.0": true, "err.field": true, "mon.csv": true,
	"adm.auth.login": true, "adm.auth.plain": true, "adm.ch.webhook_url": true, "adm.chtype.slack": true,
	"adm.chtype.teams": true, "adm.f.url": true, "adm.ikind.snmp": true, "entry.servicenow": true,
	"vendor.aws": true, "vendor.google": true, "vendor.microsoft": true, "vendor.oracle": true,
	"adm.kind.app_service": true, "adm.f.psk_identity": true,
}

// TestCatalogComplete: every word is in both languages, no Japanese word is
// the English one left untranslated (but the allowed names), and every key
// a template or the Go code asks for exists.
func TestCatalogComplete(t *testing.T) {
	for k, w := range catalog {
		if w[0] == "" || w[1] == "" {
			t.Errorf("catalog %q lacks a language: %q", k, w)
		}
		if w[0] == w[1] && !latinInJapanese[k] {
			t.Errorf("catalog %q is %q in both languages: translate it, or allow it in latinInJapanese", k, w[0])
		}
		if !japaneseText.MatchString(w[0]) && !latinInJapanese[k] && !asciiOnly(w[0]) {
			t.Errorf("catalog %q: the Japanese word %q has no Japanese in it", k, w[0])
		}
		if japaneseText.MatchString(w[1]) && !strings.HasPrefix(k, "lang.") {
			t.Errorf("catalog %q: the English word %q has Japanese in it", k, w[1])
		}
	}
	for k := range latinInJapanese {
		if w, ok := catalog[k]; !ok || japaneseText.MatchString(w[0]) {
			t.Errorf("latinInJapanese names %q, whose Japanese is not in Latin letters: remove it", k)
		}
	}
	for _, use := range templateKeys(t) {
		if _, ok := catalog[use.key]; !ok {
			t.Errorf("%s uses %q, which the catalog lacks", use.where, use.key)
		}
	}
	for _, use := range templatePrefixes(t) {
		if !hasPrefix(use.key) {
			t.Errorf("%s computes keys %s*, of which the catalog has none", use.where, use.key)
		}
	}
	for _, use := range goKeys(t) {
		if strings.HasSuffix(use.key, "_") || strings.HasSuffix(use.key, ".") {
			if !hasPrefix(use.key) {
				t.Errorf("%s computes keys %s*, of which the catalog has none", use.where, use.key)
			}
		} else if _, ok := catalog[use.key]; !ok {
			t.Errorf("%s uses %q, which the catalog lacks", use.where, use.key)
		}
	}
	for _, tr := range timeRanges {
		if _, ok := catalog["range."+tr.Key]; !ok {
			t.Errorf("no word for range %s", tr.Key)
		}
	}
	for _, s := range severities {
		if _, ok := catalog["sev."+s]; !ok {
			t.Errorf("no word for severity %s", s)
		}
	}
}

var japaneseText = regexp.MustCompile(`[\p{Han}\p{Hiragana}\p{Katakana}\x{3000}-\x{303F}\x{FF00}-\x{FFEF}]`)

// asciiOnly: a word of symbols and format verbs only ("—", "%s: %s") has
// nothing to translate; one with letters has.
func asciiOnly(s string) bool {
	return !regexp.MustCompile(`[A-Za-z]{2,}`).MatchString(regexp.MustCompile(`%[a-z]`).ReplaceAllString(s, ""))
}

// keyUse is a catalog key and where it is asked for.
type keyUse struct{ where, key string }

var (
	templateKeyRE    = regexp.MustCompile(`\.T "([^"]+)"`)
	templatePrefixRE = regexp.MustCompile(`\.T \(printf "([a-z0-9_.]+)%[sd]"`)
)

func templateKeys(t *testing.T) []keyUse     { return scanTemplates(t, templateKeyRE) }
func templatePrefixes(t *testing.T) []keyUse { return scanTemplates(t, templatePrefixRE) }

func scanTemplates(t *testing.T, re *regexp.Regexp) []keyUse {
	t.Helper()
	var out []keyUse
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := templateFS.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				out = append(out, keyUse{path + ":" + strconv.Itoa(i+1), m[1]})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("no template uses %s: the pattern is wrong", re)
	}
	return out
}

func hasPrefix(prefix string) bool {
	for k := range catalog {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

var keyShape = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]*)+$`)

// goKeys are the string constants of the package's Go code that look like a
// catalog key ("bk.title") and begin with one of the catalog's prefixes:
// the arguments of T and the keys kept in fields (a navigation entry's Key).
func goKeys(t *testing.T) []keyUse {
	t.Helper()
	prefixes := map[string]bool{}
	for k := range catalog {
		if i := strings.IndexByte(k, '.'); i > 0 {
			prefixes[k[:i+1]] = true
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []keyUse
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, "i18n") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !keyShape.MatchString(s) || !prefixes[s[:strings.IndexByte(s, '.')+1]] {
				return true
			}
			out = append(out, keyUse{fset.Position(lit.Pos()).String(), s})
			return true
		})
	}
	if len(out) == 0 {
		t.Fatal("no catalog key found in the Go code: the scan is wrong")
	}
	return out
}
