package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	zabbixtemplate "github.com/unyo-ops/unyo/internal/zabbix/template"
)

const zabbixUsage = `Usage:
  unyo zabbix import [flags] FILE   import a Zabbix template export (XML, JSON or YAML; Zabbix 3.0 to 7.0)
`

// runZabbix is `unyo zabbix <subcommand>`.
func runZabbix(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, zabbixUsage)
		return 2
	}
	if args[0] == "import" {
		return runZabbixImport(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "unyo zabbix: unknown subcommand %q\n\n%s", args[0], zabbixUsage)
	return 2
}

// runZabbixImport is `unyo zabbix import`: with --dry-run it translates the
// file here and prints the report, needing no server; otherwise it posts the
// file to the server, which stores the templates, and prints the report.
func runZabbixImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("unyo zabbix import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", env("UNYO_SERVER", "http://127.0.0.1:8080"), "URL of the unyo server (env UNYO_SERVER)")
	token := fs.String("token", os.Getenv("UNYO_TOKEN"), "API token with the write scope (env UNYO_TOKEN)")
	tenant := fs.String("tenant", "", "tenant ID (default: the token's tenant)")
	address := fs.String("address", zabbixtemplate.DefaultAddress, "where the hosts' Zabbix agents are polled: host[:port] with ${host} and ${label.NAME}")
	dry := fs.Bool("dry-run", false, "translate and print the report only: nothing is sent")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "unyo zabbix import: give one export file")
		return 2
	}
	data, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintln(stderr, "unyo zabbix import:", err)
		return 1
	}
	var rep *zabbixtemplate.Report
	if *dry {
		if rep, err = zabbixtemplate.Import(data, "", zabbixtemplate.Options{Address: *address}); err != nil {
			fmt.Fprintf(stderr, "unyo zabbix import: %s: %v\n", fs.Arg(0), err)
			return 1
		}
	} else {
		if rep, err = postZabbixExport(data, *server, *token, *tenant, *address); err != nil {
			fmt.Fprintln(stderr, "unyo zabbix import:", err)
			return 1
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return exitOn(enc.Encode(rep), stderr)
	}
	fmt.Fprint(stdout, zabbixtemplate.Summary(rep))
	return 0
}

func exitOn(err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

// postZabbixExport sends the export to the server's import endpoint.
func postZabbixExport(data []byte, server, token, tenant, address string) (*zabbixtemplate.Report, error) {
	if token == "" {
		return nil, fmt.Errorf("--token: required (or set UNYO_TOKEN): an API token with the write scope; or --dry-run")
	}
	c := &apiClient{base: strings.TrimRight(server, "/"), token: token, http: &http.Client{Timeout: time.Minute}}
	if tenant == "" {
		var who struct {
			Tenant string `json:"tenant"`
		}
		if err := c.do("GET", "/api/v1/whoami", nil, &who); err != nil {
			return nil, err
		}
		if who.Tenant == "" {
			return nil, fmt.Errorf("--tenant: required with a token of no single tenant")
		}
		tenant = who.Tenant
	}
	var rep zabbixtemplate.Report
	path := "/api/v1/tenants/" + url.PathEscape(tenant) + "/templates/import/zabbix?address=" + url.QueryEscape(address)
	if err := c.do("POST", path, data, &rep); err != nil {
		return nil, err
	}
	return &rep, nil
}
