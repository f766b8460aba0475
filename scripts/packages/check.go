package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	rpmutils "github.com/sassoftware/go-rpmutils"
)

// The files both packages must hold, with their modes.
var wantFiles = map[string]os.FileMode{
	"/usr/bin/unyo-agent":                    0o755,
	"/lib/systemd/system/unyo-agent.service": 0o644,
	"/etc/unyo-agent/agent.yaml":             0o640,
	"/var/lib/unyo-agent":                    0o750 | os.ModeDir,
}

// What the unit must say: who runs it, what, and where its state is.
var wantUnit = []string{
	"ExecStart=/usr/bin/unyo-agent -config /etc/unyo-agent/agent.yaml",
	"User=unyo-agent", "StateDirectory=unyo-agent", "Restart=on-failure", "WantedBy=multi-user.target",
}

// check checks the .deb and the .rpm in dir; every problem is reported.
func check(dir string) error {
	debs, _ := filepath.Glob(filepath.Join(dir, "*.deb"))
	rpms, _ := filepath.Glob(filepath.Join(dir, "*.rpm"))
	if len(debs) != 1 || len(rpms) != 1 {
		return fmt.Errorf("%s: want one .deb and one .rpm, found %d and %d (make packages)", dir, len(debs), len(rpms))
	}
	var errs []error
	errs = append(errs, checkDeb(debs[0])...)
	errs = append(errs, checkRPM(rpms[0])...)
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	fmt.Println("packages: ok:", filepath.Base(debs[0]), filepath.Base(rpms[0]))
	return nil
}

func run(name string, args ...string) (string, error) {
	var out, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out.String(), nil
}

// checkDeb lists the .deb with dpkg-deb -c, reads its control files, then
// installs it into a throwaway root with dpkg --root (maintainer scripts
// run chrootless, DPKG_ROOT set, no systemd), checks the result, and purges.
func checkDeb(deb string) []error {
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		return []error{fmt.Errorf("dpkg-deb not found: apt-get install dpkg")}
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf("deb: "+format, args...)) }
	list, err := run("dpkg-deb", "-c", deb)
	if err != nil {
		return []error{err}
	}
	for path, mode := range wantFiles {
		line := findLine(list, "."+path)
		if mode.IsDir() {
			line = findLine(list, "."+path+"/")
		}
		if line == "" {
			fail("dpkg-deb -c lists no %s", path)
			continue
		}
		if perm := strings.Fields(line)[0]; perm != modeString(mode) {
			fail("%s has mode %s, want %s", path, perm, modeString(mode))
		}
	}
	if conf, err := run("dpkg-deb", "-I", deb, "conffiles"); err != nil || !strings.Contains(conf, "/etc/unyo-agent/agent.yaml") {
		fail("conffiles %q (%v) does not hold /etc/unyo-agent/agent.yaml: an upgrade would overwrite the host's configuration", conf, err)
	}
	for _, script := range []string{"postinst", "prerm", "postrm"} {
		if _, err := run("dpkg-deb", "-I", deb, script); err != nil {
			fail("no %s script: %v", script, err)
		}
	}
	return append(errs, installDeb(deb)...)
}

// installDeb installs into a throwaway root and checks what a host would
// have: the files, the unit, the user, the state directory's owner.
func installDeb(deb string) []error {
	if os.Geteuid() != 0 {
		return []error{fmt.Errorf("deb: the install check needs root (dpkg --root, useradd --prefix, chown): run make packages as root or with sudo")}
	}
	root, err := os.MkdirTemp("", "unyo-agent-root")
	if err != nil {
		return []error{err}
	}
	defer os.RemoveAll(root)
	for path, content := range map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\n", "etc/group": "root:x:0:\n",
		"etc/shadow": "root:*:19000:0:99999:7:::\n", "etc/gshadow": "root:*::\n",
		"var/lib/dpkg/status": "", "var/lib/dpkg/available": "",
	} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(path)), 0o755)
		if err := os.WriteFile(filepath.Join(root, path), []byte(content), 0o644); err != nil {
			return []error{err}
		}
	}
	os.MkdirAll(filepath.Join(root, "var/lib/dpkg/info"), 0o755)
	os.MkdirAll(filepath.Join(root, "var/lib/dpkg/updates"), 0o755)
	dpkg := []string{"--root=" + root, "--force-script-chrootless", "--force-depends", "--log=/dev/null"}
	if out, err := run("dpkg", append(dpkg, "-i", deb)...); err != nil {
		return []error{fmt.Errorf("deb: dpkg --root -i: %v\n%s", err, out)}
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf("deb installed: "+format, args...)) }
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	var uid string
	for _, line := range strings.Split(string(passwd), "\n") {
		if f := strings.Split(line, ":"); len(f) == 7 && f[0] == "unyo-agent" {
			uid = f[2]
			if f[6] != "/usr/sbin/nologin" || f[5] != "/var/lib/unyo-agent" {
				fail("user unyo-agent: home %s shell %s, want /var/lib/unyo-agent and nologin", f[5], f[6])
			}
		}
	}
	if uid == "" {
		fail("postinst made no unyo-agent user:\n%s", passwd)
	}
	if st, err := os.Stat(filepath.Join(root, "var/lib/unyo-agent")); err != nil {
		fail("no state directory: %v", err)
	} else if s := st.Sys().(*syscall.Stat_t); fmt.Sprint(s.Uid) != uid || st.Mode().Perm() != 0o750 {
		fail("state directory owned by %d mode %v, want the unyo-agent user (%s) and 0750", s.Uid, st.Mode().Perm(), uid)
	}
	unit, err := os.ReadFile(filepath.Join(root, "lib/systemd/system/unyo-agent.service"))
	if err != nil {
		fail("no unit: %v", err)
	}
	for _, want := range wantUnit {
		if !strings.Contains(string(unit), want+"\n") {
			fail("the unit has no line %q", want)
		}
	}
	if out, err := run(filepath.Join(root, "usr/bin/unyo-agent"), "version"); err != nil || !strings.HasPrefix(out, "unyo-agent ") {
		fail("the installed binary: %q %v", out, err)
	}
	if out, err := run("dpkg", append(dpkg, "--purge", "unyo-agent")...); err != nil {
		fail("dpkg --root --purge: %v\n%s", err, out)
	}
	for _, path := range []string{"usr/bin/unyo-agent", "var/lib/unyo-agent", "etc/unyo-agent/agent.yaml"} {
		if _, err := os.Stat(filepath.Join(root, path)); err == nil {
			fail("%s is left after a purge", path)
		}
	}
	return errs
}

// checkRPM lists the .rpm with rpm -qlp where rpm is installed, and reads
// its header with go-rpmutils in any case (Debian has no rpm by default).
func checkRPM(path string) []error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf("rpm: "+format, args...)) }
	if _, err := exec.LookPath("rpm"); err == nil {
		list, err := run("rpm", "-qlp", path)
		if err != nil {
			return []error{err}
		}
		for p := range wantFiles {
			if findLine(list, p) == "" {
				fail("rpm -qlp lists no %s", p)
			}
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return []error{err}
	}
	defer f.Close()
	pkg, err := rpmutils.ReadRpm(f)
	if err != nil {
		return []error{fmt.Errorf("rpm: %s: %w", path, err)}
	}
	files, err := pkg.Header.GetFiles()
	if err != nil {
		return []error{fmt.Errorf("rpm: files: %w", err)}
	}
	got := map[string]rpmutils.FileInfo{}
	for _, fi := range files {
		got[fi.Name()] = fi
	}
	for p, mode := range wantFiles {
		fi, ok := got[p]
		if !ok {
			fail("no %s", p)
			continue
		}
		if os.FileMode(fi.Mode()).Perm() != mode.Perm() {
			fail("%s has mode %o, want %o", p, os.FileMode(fi.Mode()).Perm(), mode.Perm())
		}
	}
	if fi, ok := got["/etc/unyo-agent/agent.yaml"]; ok && fi.Flags()&(1<<0) == 0 { // RPMFILE_CONFIG
		fail("/etc/unyo-agent/agent.yaml is not a %%config file")
	}
	for tag, name := range map[int]string{rpmutils.POSTIN: "%post", rpmutils.PREUN: "%preun", rpmutils.POSTUN: "%postun"} {
		if s, err := pkg.Header.GetString(tag); err != nil || !strings.Contains(s, "unyo-agent") {
			fail("no %s script (%v)", name, err)
		}
	}
	if s, _ := pkg.Header.GetString(rpmutils.POSTIN); !strings.Contains(s, "useradd") {
		fail("%%post makes no user")
	}
	return errs
}

// findLine returns the line of list whose last field is path.
func findLine(list, path string) string {
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[len(f)-1] == path {
			return line
		}
	}
	return ""
}

// modeString writes mode as dpkg-deb -c does: drwxr-x---.
func modeString(m os.FileMode) string {
	s := []byte("----------")
	if m.IsDir() {
		s[0] = 'd'
	}
	const rwx = "rwxrwxrwx"
	for i := 0; i < 9; i++ {
		if m.Perm()&(1<<uint(8-i)) != 0 {
			s[i+1] = rwx[i]
		}
	}
	return string(s)
}
