package facts

import (
	"bufio"
	"bytes"
	"os"
	"strings"
)

// machineID is systemd's machine ID, the same for the host's whole life
// (it survives a rename and a re-install of the agent, not a re-image).
func machineID() string {
	for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		if b, err := os.ReadFile(p); err == nil {
			if id := strings.TrimSpace(string(b)); id != "" {
				return id
			}
		}
	}
	return ""
}

// osVersion reads /etc/os-release: "debian 12", "rhel 9.4", "ubuntu 24.04".
func osVersion() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return ""
	}
	return parseOSRelease(b)
}

func parseOSRelease(b []byte) string {
	var id, version string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"'`)
		switch k {
		case "ID":
			id = v
		case "VERSION_ID":
			version = v
		}
	}
	return strings.TrimSpace(id + " " + version)
}
