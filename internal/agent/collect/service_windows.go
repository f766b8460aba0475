package collect

import (
	"context"
	"fmt"

	"golang.org/x/sys/windows"
)

// serviceRunning asks the Service Control Manager. It opens the manager with
// connect rights only, where svc/mgr.Connect asks for full access and so
// needs an administrator; querying a status needs no more.
func serviceRunning(_ context.Context, name string) (bool, error) {
	m, err := windows.OpenSCManager(nil, nil, windows.SC_MANAGER_CONNECT)
	if err != nil {
		return false, fmt.Errorf("service control manager: %w", err)
	}
	defer windows.CloseServiceHandle(m)
	namep, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return false, fmt.Errorf("service %q: %w", name, err)
	}
	h, err := windows.OpenService(m, namep, windows.SERVICE_QUERY_STATUS)
	if err != nil {
		return false, fmt.Errorf("service %q: %w", name, err)
	}
	defer windows.CloseServiceHandle(h)
	var st windows.SERVICE_STATUS
	if err := windows.QueryServiceStatus(h, &st); err != nil {
		return false, fmt.Errorf("service %q: %w", name, err)
	}
	return st.CurrentState == windows.SERVICE_RUNNING, nil
}
