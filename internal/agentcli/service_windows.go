package agentcli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

// serviceName is the Windows service's name, and the Event Log source its
// log lines are written under.
const serviceName = "unyo-agent"

// runService installs, removes, starts or stops the Windows service. The
// arguments after `install` are the agent's flags the service runs with,
// e.g. `unyo-agent service install -config C:\ProgramData\unyo\agent.yaml`.
func runService(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "unyo-agent service: give install [agent flags], uninstall, start or stop")
		return 2
	}
	var err error
	switch args[0] {
	case "install":
		err = installService(args[1:])
	case "uninstall":
		err = uninstallService()
	case "start":
		err = withService(func(s *mgr.Service) error { return s.Start() })
	case "stop":
		err = withService(func(s *mgr.Service) error {
			_, err := s.Control(svc.Stop)
			return err
		})
	default:
		fmt.Fprintf(stderr, "unyo-agent service: unknown action %q (install, uninstall, start, stop)\n", args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "unyo-agent service %s: %v\n", args[0], err)
		return 1
	}
	fmt.Fprintf(stdout, "unyo-agent service %s: done\n", args[0])
	return 0
}

func installService(agentArgs []string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	m, err := mgr.Connect()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	s, err := m.CreateService(serviceName, exe, mgr.Config{
		DisplayName: "unyo agent",
		Description: "unyo host agent: OS metrics, checks, logs and exporters pushed to unyo server",
		StartType:   mgr.StartAutomatic,
	}, agentArgs...)
	if err != nil {
		return err
	}
	defer s.Close()
	// Restart after a crash: at once, then after 10 s, then every minute.
	s.SetRecoveryActions([]mgr.RecoveryAction{
		{Type: mgr.ServiceRestart, Delay: time.Second},
		{Type: mgr.ServiceRestart, Delay: 10 * time.Second},
		{Type: mgr.ServiceRestart, Delay: time.Minute},
	}, 86400)
	if err := eventlog.InstallAsEventCreate(serviceName, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil {
		s.Delete()
		return fmt.Errorf("event log source: %w", err)
	}
	return nil
}

func uninstallService() error {
	err := withService(func(s *mgr.Service) error { return s.Delete() })
	if err != nil {
		return err
	}
	return eventlog.Remove(serviceName)
}

func withService(f func(*mgr.Service) error) error {
	m, err := mgr.Connect()
	if err != nil {
		return err
	}
	defer m.Disconnect()
	s, err := m.OpenService(serviceName)
	if err != nil {
		return err
	}
	defer s.Close()
	return f(s)
}

// runAsService runs the agent under the service manager when it started
// the process; it reports false when run from a console.
func runAsService(args []string) (bool, int) {
	is, err := svc.IsWindowsService()
	if err != nil || !is {
		return false, 0
	}
	h := &handler{args: args}
	if err := svc.Run(serviceName, h); err != nil {
		return true, 1
	}
	return true, h.code
}

type handler struct {
	args []string
	code int
}

// Execute is the service's life: the agent runs until the manager says
// stop or shutdown; its log goes to the Event Log.
func (h *handler) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	elog, err := eventlog.Open(serviceName)
	var w io.Writer = io.Discard
	if err == nil {
		defer elog.Close()
		w = &eventLogWriter{log: elog}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- runAgent(ctx, "unyo-agent", h.args, w, w) }()
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for {
		select {
		case h.code = <-done:
			cancel()
			return false, uint32(h.code)
		case c := <-req:
			switch c.Cmd {
			case svc.Interrogate:
				status <- c.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending}
				cancel()
				h.code = <-done
				return false, uint32(h.code)
			}
		}
	}
}

// eventLogWriter writes each log line as one event, at the level the line
// names (the agent logs slog's text format).
type eventLogWriter struct{ log *eventlog.Log }

func (e *eventLogWriter) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	var err error
	switch {
	case strings.Contains(line, "level=ERROR"):
		err = e.log.Error(3, line)
	case strings.Contains(line, "level=WARN"):
		err = e.log.Warning(2, line)
	default:
		err = e.log.Info(1, line)
	}
	return len(p), err
}
