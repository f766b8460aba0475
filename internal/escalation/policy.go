// Package escalation keeps each tenant's escalation policies (who is told
// first, how long to wait, who next, repeat or stop) and runs them: a
// scheduler whose next step times are stored in SQLite, so a restart
// resumes every escalation where it was. Steps and policies can apply only
// in or out of the service's business hours (internal/calendar).
// Acknowledging the notification's ref stops its escalation.
package escalation

import (
	"fmt"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// When a policy or a step applies, judged by the service's calendar at the
// time the step is due. Without a service, or with a 24x7 calendar, every
// instant is in business hours.
const (
	Always        = ""
	BusinessHours = "business_hours"
	OutOfHours    = "out_of_hours"
)

// Policy is an escalation policy of a tenant.
type Policy struct {
	ID     int64  `json:"id"`
	Tenant string `json:"tenant"`
	Name   string `json:"name"`
	// Default policies are what a notification without routes follows;
	// among several, the first (by ID) whose When holds is used.
	Default bool   `json:"default"`
	When    string `json:"when"`
	Steps   []Step `json:"steps"`
	// Repeat runs the steps again this many times after the last one
	// (after its wait); 0 stops after the last step.
	Repeat    int       `json:"repeat"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Step notifies its targets, then waits before the next step.
type Step struct {
	Targets []string       `json:"targets"` // channel names, or contact:<name>
	Wait    model.Duration `json:"wait"`    // before the next step, e.g. "15m"
	When    string         `json:"when"`    // skipped (with its wait) when this does not hold
}

// Limits of a policy, so one cannot schedule without end.
const (
	maxSteps   = 20
	maxTargets = 20
	maxRepeat  = 10
	maxWait    = 24 * time.Hour
)

func validWhen(field, w string) error {
	switch w {
	case Always, BusinessHours, OutOfHours:
		return nil
	}
	return invalid.New(field, "must be empty, business_hours or out_of_hours, not %q", w)
}

// Validate reports the first problem with p as an *invalid.Error.
func (p *Policy) Validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if p.Name == "" {
		return invalid.New("name", "is required")
	}
	if len(p.Name) > 100 {
		return invalid.New("name", "must be at most 100 bytes")
	}
	if err := validWhen("when", p.When); err != nil {
		return err
	}
	if len(p.Steps) == 0 || len(p.Steps) > maxSteps {
		return invalid.New("steps", "must hold 1 to %d steps", maxSteps)
	}
	if p.Repeat < 0 || p.Repeat > maxRepeat {
		return invalid.New("repeat", "must be from 0 to %d", maxRepeat)
	}
	for i, s := range p.Steps {
		field := fmt.Sprintf("steps[%d]", i)
		if len(s.Targets) == 0 || len(s.Targets) > maxTargets {
			return invalid.New(field+".targets", "must name 1 to %d channels or contacts", maxTargets)
		}
		for j, t := range s.Targets {
			if strings.TrimSpace(t) == "" || t != strings.TrimSpace(t) {
				return invalid.New(fmt.Sprintf("%s.targets[%d]", field, j), "must be a channel name or contact:<name>")
			}
		}
		if s.Wait < 0 || time.Duration(s.Wait) > maxWait {
			return invalid.New(field+".wait", "must be from 0 to 24h")
		}
		if err := validWhen(field+".when", s.When); err != nil {
			return err
		}
	}
	if p.Repeat > 0 {
		var total time.Duration
		for _, s := range p.Steps {
			total += time.Duration(s.Wait)
		}
		// A repeated policy without waits would notify in a tight loop.
		if total < time.Minute {
			return invalid.New("repeat", "needs steps that wait at least 1m in all")
		}
	}
	return nil
}

// stepName names the n-th step of round r in delivery records and
// idempotency keys; the very first notice has no name, so its key is the
// notification's own.
func stepName(step, round int, first bool) string {
	if first {
		return ""
	}
	return fmt.Sprintf("s%dr%d", step, round)
}
