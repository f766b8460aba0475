package logwatch

import (
	"fmt"
	"path/filepath"
	"regexp"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Severity is how serious a matching line is.
type Severity string

// The severities a pattern may carry.
const (
	SeverityInfo     Severity = "info"
	SeverityWarning  Severity = "warning"
	SeverityCritical Severity = "critical"
)

func (s Severity) valid() bool {
	return s == SeverityInfo || s == SeverityWarning || s == SeverityCritical
}

// StartPosition says where reading begins in a file that has no saved position.
type StartPosition string

// The start positions; the empty value means StartEnd.
const (
	// StartEnd skips what the files held when the item was first watched;
	// files that appear later are still read from their beginning.
	StartEnd StartPosition = "end"
	// StartBeginning reads every file from its beginning.
	StartBeginning StartPosition = "beginning"
)

// DefaultFlushTimeout is how long an unfinished last line waits for its newline.
const DefaultFlushTimeout = 5 * time.Second

// Pattern names a regular expression and the severity of the lines it matches.
type Pattern struct {
	Name     string   `json:"name" yaml:"name"`
	Regexp   string   `json:"regexp" yaml:"regexp"`
	Severity Severity `json:"severity" yaml:"severity"`
}

// Config is one log monitoring item: the files to watch and the patterns to find.
type Config struct {
	// Item is the monitoring item's name; it labels events and counters.
	Item string `json:"item" yaml:"item"`
	// Glob is an absolute path pattern (filepath.Match syntax, no "**");
	// files that come to match it later are picked up.
	Glob string `json:"glob" yaml:"glob"`
	// Exclude lists base-name patterns of matching files to skip, e.g. "*.gz".
	Exclude []string `json:"exclude,omitempty" yaml:"exclude,omitempty"`
	// Patterns are tried in order; a line belongs to the first that matches.
	Patterns []Pattern `json:"patterns" yaml:"patterns"`
	// StartAt applies to files with no saved position; empty means StartEnd.
	StartAt StartPosition `json:"start_at,omitempty" yaml:"start_at,omitempty"`
	// FlushTimeout is how long a last line without newline is held back;
	// zero means DefaultFlushTimeout.
	FlushTimeout time.Duration `json:"flush_timeout,omitempty" yaml:"flush_timeout,omitempty"`
	// ClientField, on an access log, names the client of each line read
	// (see FieldRemoteAddr): the distinct clients are counted per hour and
	// per day. SessionField does the same for sessions. Empty: neither.
	ClientField  string `json:"client_field,omitempty" yaml:"client_field,omitempty"`
	SessionField string `json:"session_field,omitempty" yaml:"session_field,omitempty"`
	// ClientZone is the IANA zone whose days the distinct clients are
	// counted over (the tenant's); UTC when empty.
	ClientZone string `json:"client_zone,omitempty" yaml:"client_zone,omitempty"`
}

// Validate reports the first problem with c as an *invalid.Error.
func (c Config) Validate() error {
	_, err := compile(c)
	return err
}

// compiled is a validated Config with its regular expressions ready.
type compiled struct {
	cfg      Config
	patterns []*regexp.Regexp
	uniques  *uniques // nil without a client or session field
}

func compile(c Config) (compiled, error) {
	if c.Item == "" {
		return compiled{}, invalid.New("item", "is required")
	}
	if err := validateGlob(c.Glob); err != nil {
		return compiled{}, err
	}
	for i, ex := range c.Exclude {
		if _, err := filepath.Match(ex, ""); err != nil || ex == "" {
			return compiled{}, invalid.New(fmt.Sprintf("exclude[%d]", i), "is not a valid file name pattern: %q", ex)
		}
	}
	if c.StartAt != "" && c.StartAt != StartEnd && c.StartAt != StartBeginning {
		return compiled{}, invalid.New("start_at", "must be %q or %q, not %q", StartEnd, StartBeginning, c.StartAt)
	}
	if c.FlushTimeout < 0 {
		return compiled{}, invalid.New("flush_timeout", "must not be negative")
	}
	res, err := compilePatterns(c.Patterns)
	if err != nil {
		return compiled{}, err
	}
	u, err := newUniques(c)
	if err != nil {
		return compiled{}, err
	}
	return compiled{cfg: c, patterns: res, uniques: u}, nil
}

func validateGlob(glob string) error {
	if glob == "" {
		return invalid.New("glob", "is required")
	}
	if !filepath.IsAbs(glob) {
		return invalid.New("glob", "must be an absolute path: %q", glob)
	}
	if _, err := filepath.Match(glob, ""); err != nil {
		return invalid.New("glob", "is not a valid pattern: %q", glob)
	}
	return nil
}

func compilePatterns(ps []Pattern) ([]*regexp.Regexp, error) {
	if len(ps) == 0 {
		return nil, invalid.New("patterns", "at least one pattern is required")
	}
	seen := make(map[string]bool, len(ps))
	res := make([]*regexp.Regexp, len(ps))
	for i, p := range ps {
		field := fmt.Sprintf("patterns[%d]", i)
		if p.Name == "" {
			return nil, invalid.New(field+".name", "is required")
		}
		if seen[p.Name] {
			return nil, invalid.New(field+".name", "duplicate pattern name %q", p.Name)
		}
		seen[p.Name] = true
		if !p.Severity.valid() {
			return nil, invalid.New(field+".severity", "must be info, warning or critical, not %q", p.Severity)
		}
		if p.Regexp == "" {
			return nil, invalid.New(field+".regexp", "is required")
		}
		re, err := regexp.Compile(p.Regexp)
		if err != nil {
			return nil, invalid.New(field+".regexp", "%v", err)
		}
		res[i] = re
	}
	return res, nil
}

// compileAll validates every config and that item names are unique; fields
// are prefixed with logs[<item>] (or logs[<index>] when the item is unnamed).
func compileAll(cfgs []Config) ([]compiled, error) {
	seen := make(map[string]bool, len(cfgs))
	out := make([]compiled, 0, len(cfgs))
	for i, c := range cfgs {
		parent := fmt.Sprintf("logs[%d]", i)
		if c.Item != "" {
			parent = fmt.Sprintf("logs[%s]", c.Item)
		}
		cc, err := compile(c)
		if err != nil {
			return nil, invalid.Prefix(parent, err)
		}
		if seen[c.Item] {
			return nil, invalid.New(parent+".item", "duplicate item name %q", c.Item)
		}
		seen[c.Item] = true
		out = append(out, cc)
	}
	return out, nil
}

func (c Config) flushTimeout() time.Duration {
	if c.FlushTimeout == 0 {
		return DefaultFlushTimeout
	}
	return c.FlushTimeout
}
