// Package command is the actuator that runs a program: anything a script
// can scale (an on-premises hypervisor, a cloud without a native actuator
// here) becomes a capacity group.
//
// The program is run without a shell, as argv, with a JSON request on
// stdin (name the group in argv):
//
//	{"action":"apply","count":6,"tenant":"acme"}
//	{"action":"observe","tenant":"acme"}
//
// For observe it prints {"desired":6,"running":5,"size":"Standard_D2s_v5"}
// on stdout. A zero exit is success; exit 75 (EX_TEMPFAIL) means the
// platform is busy with another change (actuator.ErrBusy), any other exit
// is an error carrying the first line of stderr. It is killed at Timeout.
package command

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/actuator"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// Config is a command group's settings (actuator.Spec.Config).
type Config struct {
	Argv    []string       `json:"argv"`    // the program, an absolute path, and its arguments
	Timeout model.Duration `json:"timeout"` // default 30s
}

// DefaultTimeout bounds a run when the config sets none.
const DefaultTimeout = 30 * time.Second

// exitBusy is EX_TEMPFAIL of sysexits.h.
const exitBusy = 75

// ParseConfig reads and checks a command group's settings.
func ParseConfig(raw json.RawMessage) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, invalid.New("config", "must be {\"argv\":[...],\"timeout\":\"30s\"}: %v", err)
	}
	if len(c.Argv) == 0 || !filepath.IsAbs(c.Argv[0]) {
		return c, invalid.New("config.argv", "is required: the program's absolute path first, then its arguments")
	}
	if c.Timeout == 0 {
		c.Timeout = model.Duration(DefaultTimeout)
	}
	if c.Timeout < model.Duration(time.Second) || c.Timeout > model.Duration(10*time.Minute) {
		return c, invalid.New("config.timeout", "must be from 1s to 10m")
	}
	return c, nil
}

// Actuator runs the configured program.
type Actuator struct {
	cfg    Config
	tenant string
}

var _ actuator.Actuator = (*Actuator)(nil)

// New returns the actuator of a group of tenant.
func New(cfg Config, tenant string) *Actuator { return &Actuator{cfg: cfg, tenant: tenant} }

// Factory builds a command group's actuator from its spec; internal/cli
// maps the kind "command" to it.
func Factory(_ context.Context, tenant string, spec actuator.Spec) (actuator.Actuator, error) {
	cfg, err := ParseConfig(spec.Config)
	if err != nil {
		return nil, err
	}
	return New(cfg, tenant), nil
}

type request struct {
	Action string `json:"action"`
	Count  *int   `json:"count,omitempty"`
	Tenant string `json:"tenant"`
}

// Apply runs the program with action apply.
func (a *Actuator) Apply(ctx context.Context, count int) error {
	_, err := a.run(ctx, request{Action: "apply", Count: &count, Tenant: a.tenant})
	return err
}

// Observe runs the program with action observe and reads its answer.
func (a *Actuator) Observe(ctx context.Context) (actuator.State, error) {
	out, err := a.run(ctx, request{Action: "observe", Tenant: a.tenant})
	if err != nil {
		return actuator.State{}, err
	}
	return DecodeState(out)
}

// DecodeState reads the program's answer to observe.
func DecodeState(out []byte) (actuator.State, error) {
	var s struct {
		Desired *int   `json:"desired"`
		Running *int   `json:"running"`
		Size    string `json:"size"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(out), &s); err != nil {
		return actuator.State{}, fmt.Errorf("command: observe printed no JSON object: %w", err)
	}
	if s.Desired == nil || s.Running == nil || *s.Desired < 0 || *s.Running < 0 {
		return actuator.State{}, errors.New(`command: observe must print {"desired":N,"running":N}`)
	}
	return actuator.State{Desired: *s.Desired, Running: *s.Running, Size: s.Size}, nil
}

func (a *Actuator) run(ctx context.Context, req request) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(a.cfg.Timeout))
	defer cancel()
	in, _ := json.Marshal(req)
	cmd := exec.CommandContext(ctx, a.cfg.Argv[0], a.cfg.Argv[1:]...)
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"}
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return nil, fmt.Errorf("command: %s %s: killed after %s", filepath.Base(a.cfg.Argv[0]), req.Action, time.Duration(a.cfg.Timeout))
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		msg, _, _ := strings.Cut(strings.TrimSpace(stderr.String()), "\n")
		if len(msg) > 500 {
			msg = msg[:500]
		}
		if ee.ExitCode() == exitBusy {
			return nil, fmt.Errorf("%w: %s", actuator.ErrBusy, msg)
		}
		return nil, fmt.Errorf("command: %s %s: exit %d: %s", filepath.Base(a.cfg.Argv[0]), req.Action, ee.ExitCode(), msg)
	}
	if err != nil {
		return nil, fmt.Errorf("command: %s: %w", req.Action, err)
	}
	return stdout.Bytes(), nil
}
