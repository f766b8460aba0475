package report

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// latinInJapanese are the report's words a Japanese reader reads in Latin
// letters: product names, units, protocol words, formats without words.
var latinInJapanese = map[string]bool{"sla": true, "web.src.apache": true, "web.src.tomcat": true}

// TestMessagesComplete: both languages have the same keys, every word is
// translated (a Japanese word is not the English one, has Japanese in it,
// and an English word has none), and every key the code asks tr for exists.
func TestMessagesComplete(t *testing.T) {
	ja, en := messages["ja"], messages["en"]
	for k := range ja {
		if _, ok := en[k]; !ok {
			t.Errorf("message %q is in Japanese only", k)
		}
	}
	for k, e := range en {
		j, ok := ja[k]
		if !ok {
			t.Errorf("message %q is in English only", k)
			continue
		}
		if latinInJapanese[k] {
			continue
		}
		if j == e && hasWords(e) {
			t.Errorf("message %q is %q in both languages: translate it, or allow it in latinInJapanese", k, j)
		} else if !japanese.MatchString(j) && hasWords(j) {
			t.Errorf("message %q: the Japanese %q has no Japanese in it", k, j)
		}
		if japanese.MatchString(e) {
			t.Errorf("message %q: the English %q has Japanese in it", k, e)
		}
	}
	for k := range latinInJapanese {
		if j, ok := ja[k]; !ok || japanese.MatchString(j) {
			t.Errorf("latinInJapanese names %q, whose Japanese is not in Latin letters: remove it", k)
		}
	}
	uses := trKeys(t)
	if len(uses) < 100 {
		t.Fatalf("found %d calls of tr with a constant key: the scan is wrong", len(uses))
	}
	for _, u := range uses {
		if _, ok := ja[u.key]; !ok {
			t.Errorf("%s asks for %q, which the messages lack", u.where, u.key)
		}
	}
}

// hasWords: s has something to translate, more than format verbs,
// numbers and signs ("%d / %d", "—").
func hasWords(s string) bool {
	return regexp.MustCompile(`[A-Za-z]{2,}`).MatchString(regexp.MustCompile(`%[a-z]`).ReplaceAllString(s, ""))
}

type keyUse struct{ where, key string }

// trKeys are the constant keys of the package's calls of tr and trOr.
func trKeys(t *testing.T) []keyUse {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []keyUse
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 2 {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || (id.Name != "tr" && id.Name != "trOr") {
				return true
			}
			if lit, ok := call.Args[1].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				key, _ := strconv.Unquote(lit.Value)
				out = append(out, keyUse{fset.Position(lit.Pos()).String(), key})
			}
			return true
		})
	}
	return out
}

// machineLayouts are the date layouts no reader sees: map keys, file
// names, log lines.
var machineLayouts = map[string]bool{"2006-01-02": true, "2006-01": true}

// TestDatesFollowTheLanguage: every date the report shows is written by
// the helpers of i18n.go, which write it as a reader of the report's
// language does; elsewhere in the package a date is formatted only for a
// machine. Then the helpers: a table's moment and a day in each language.
func TestDatesFollowTheLanguage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			lit, isLit := call.Args[0].(*ast.BasicLit)
			if !ok || sel.Sel.Name != "Format" || !isLit || lit.Kind != token.STRING {
				return true
			}
			found++
			layout, _ := strconv.Unquote(lit.Value)
			if name != "i18n.go" && !machineLayouts[layout] {
				t.Errorf("%s formats a date as %q for every language: write it with dateText, tableTimeText or dateTimeText", fset.Position(lit.Pos()), layout)
			}
			return true
		})
	}
	if found < 5 {
		t.Fatalf("found %d calls of Format with a constant layout: the scan is wrong", found)
	}
	at := time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC)
	for _, c := range []struct{ lang, day, moment string }{{"ja", "2026/11/25", "11/25 09:05"}, {"en", "25 Nov 2026", "25 Nov 09:05"}} {
		if got := dateText(c.lang, at); got != c.day {
			t.Errorf("dateText(%s) = %q, want %q", c.lang, got, c.day)
		}
		if got := tableTimeText(c.lang, at); got != c.moment {
			t.Errorf("tableTimeText(%s) = %q, want %q", c.lang, got, c.moment)
		}
	}
}
