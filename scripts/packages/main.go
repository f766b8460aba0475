// Command packages builds the unyo-agent .deb and .rpm with nfpm as a
// library (make packages), and checks built packages (make packages does
// that too): the files, the systemd unit, the scripts, and an install of
// the .deb into a throwaway root with dpkg --root, without systemd.
//
//	go run . build -binary ../../bin/unyo-agent -version 1.2.3 -arch amd64 -out ../../bin/packages
//	go run . check ../../bin/packages
//
// It is its own module so that nfpm's dependencies stay out of unyo's.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/deb"
	_ "github.com/goreleaser/nfpm/v2/rpm"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: packages build [flags] | packages check DIR")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "build":
		err = build(os.Args[2:])
	case "check":
		if len(os.Args) != 3 {
			fmt.Fprintln(os.Stderr, "usage: packages check DIR")
			os.Exit(2)
		}
		err = check(os.Args[2])
	default:
		err = fmt.Errorf("unknown command %q (build, check)", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "packages:", err)
		os.Exit(1)
	}
}

var (
	versionRE  = regexp.MustCompile(`^[0-9]+\.[0-9]+[0-9A-Za-z.+~-]*$`)
	describeRE = regexp.MustCompile(`^(.*)-([0-9]+)-g([0-9a-f]+)(-dirty)?$`)
)

// packageVersion makes a version a package manager accepts and orders
// right: a tag such as v1.2.3 loses its v; commits after it (git describe's
// v1.2.3-4-gabc123) come after it (1.2.3+4.gabc123); a pre-release
// (v1.3.0-rc1) comes before its release (1.3.0~rc1); a bare commit becomes
// 0.0.0~git<commit>, below any release.
func packageVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if versionRE.MatchString(v) {
		suffix := ""
		if m := describeRE.FindStringSubmatch(v); m != nil {
			v, suffix = m[1], "+"+m[2]+".g"+m[3]
			if m[4] != "" {
				suffix += ".dirty"
			}
		}
		return strings.ReplaceAll(v, "-", "~") + suffix
	}
	return "0.0.0~git" + regexp.MustCompile(`[^0-9A-Za-z.]`).ReplaceAllString(v, ".")
}

func build(args []string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	config := fs.String("config", "../../packaging/nfpm.yaml", "nfpm configuration")
	binary := fs.String("binary", "../../bin/unyo-agent", "the unyo-agent binary to package")
	version := fs.String("version", "dev", "version (a tag such as v1.2.3, or git describe)")
	arch := fs.String("arch", "amd64", "Go architecture of the binary")
	out := fs.String("out", "../../bin/packages", "output directory")
	formats := fs.String("formats", "deb,rpm", "comma-separated package formats")
	if err := fs.Parse(args); err != nil {
		return err
	}
	bin, err := filepath.Abs(*binary)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("binary: %w (make build-agent first)", err)
	}
	vars := map[string]string{"VERSION": packageVersion(*version), "ARCH": *arch, "BINARY": bin}
	// nfpm resolves the configuration's relative paths from the working
	// directory: the packaging directory.
	cfgPath, err := filepath.Abs(*config)
	if err != nil {
		return err
	}
	outDir, err := filepath.Abs(*out)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(filepath.Dir(cfgPath)); err != nil {
		return err
	}
	defer os.Chdir(wd)
	cfg, err := nfpm.ParseFileWithEnvMapping(cfgPath, func(k string) string { return vars[k] })
	if err != nil {
		return fmt.Errorf("%s: %w", cfgPath, err)
	}
	for _, format := range strings.Split(*formats, ",") {
		path, err := pack(&cfg, format, outDir)
		if err != nil {
			return fmt.Errorf("%s: %w", format, err)
		}
		fmt.Println("built", path)
	}
	return nil
}

func pack(cfg *nfpm.Config, format, outDir string) (string, error) {
	info, err := cfg.Get(format)
	if err != nil {
		return "", err
	}
	info = nfpm.WithDefaults(info)
	if err := nfpm.PrepareForPackager(info, format); err != nil {
		return "", err
	}
	p, err := nfpm.Get(format)
	if err != nil {
		return "", err
	}
	target := filepath.Join(outDir, p.ConventionalFileName(info))
	info.Target = target
	f, err := os.Create(target)
	if err != nil {
		return "", err
	}
	if err := p.Package(info, f); err != nil {
		f.Close()
		os.Remove(target)
		return "", err
	}
	return target, f.Close()
}
