package monitoring

import (
	"strconv"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// The comparisons a threshold may use: the item fires while value Op level.
const (
	OpGT = ">"
	OpGE = ">="
	OpLT = "<"
	OpLE = "<="
)

// Threshold grades a metric value. The item fires at warning or critical
// while the value compares with the level, and resolves only once the value
// no longer compares with Recovery: a gap between the two keeps a value
// hovering at the level from flapping (hysteresis).
type Threshold struct {
	Op       string   `json:"op"`
	Warning  *float64 `json:"warning,omitempty"`
	Critical *float64 `json:"critical,omitempty"`
	Recovery *float64 `json:"recovery,omitempty"` // the lowest firing level when nil
}

// Fires reports whether v crosses level.
func (t *Threshold) Fires(v, level float64) bool {
	switch t.Op {
	case OpGT:
		return v > level
	case OpGE:
		return v >= level
	case OpLT:
		return v < level
	case OpLE:
		return v <= level
	}
	return false
}

// Validate reports the first field that is not acceptable.
func (t *Threshold) Validate() error {
	if t.Op != OpGT && t.Op != OpGE && t.Op != OpLT && t.Op != OpLE {
		return invalid.New("op", "must be one of >, >=, <, <=, not %q", t.Op)
	}
	if t.Warning == nil && t.Critical == nil {
		return invalid.New("critical", "a warning or a critical level is required")
	}
	if t.Warning != nil && t.Critical != nil && (t.Fires(*t.Warning, *t.Critical) || *t.Warning == *t.Critical) {
		return invalid.New("warning", "%s must come before the critical level %s", num(*t.Warning), num(*t.Critical))
	}
	if t.Recovery == nil {
		return nil
	}
	first := t.firstLevel()
	if t.Fires(*t.Recovery, first) && *t.Recovery != first {
		return invalid.New("recovery", "%s is past the firing level %s: the item could never resolve", num(*t.Recovery), num(first))
	}
	return nil
}

// firstLevel is the level crossed first as the value gets worse.
func (t *Threshold) firstLevel() float64 {
	if t.Warning != nil {
		return *t.Warning
	}
	return *t.Critical
}

// RecoveryLevel is the level the value must pass back to for the item to resolve.
func (t *Threshold) RecoveryLevel() float64 {
	if t.Recovery != nil {
		return *t.Recovery
	}
	return t.firstLevel()
}

// RecoveryOp is the comparison under which a firing item resolves.
func (t *Threshold) RecoveryOp() string {
	return map[string]string{OpGT: OpLE, OpGE: OpLT, OpLT: OpGE, OpLE: OpGT}[t.Op]
}

func (t Threshold) clone() Threshold {
	t.Warning = clonePtr(t.Warning)
	t.Critical = clonePtr(t.Critical)
	t.Recovery = clonePtr(t.Recovery)
	return t
}

// num formats a level the way a person writes it: 90, 0.5, 1e+09.
func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
