package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/report"
)

// reportConfig is the server's part for operations reports.
type reportConfig struct {
	smtp     string // host:port of the relay; "" turns delivery off
	from     string
	user     string
	password string // from the environment only
	tls      string
	font     string
	interval time.Duration
}

func (c *reportConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.smtp, "report-smtp", env("UNYO_REPORT_SMTP", ""), "host:port of the SMTP relay that delivers reports; empty turns delivery off (env UNYO_REPORT_SMTP)")
	fs.StringVar(&c.from, "report-smtp-from", env("UNYO_REPORT_SMTP_FROM", ""), "sender of delivered reports, e.g. \"MSP <reports@msp.example>\" (env UNYO_REPORT_SMTP_FROM)")
	fs.StringVar(&c.user, "report-smtp-user", env("UNYO_REPORT_SMTP_USER", ""), "SMTP user; its password is read from UNYO_REPORT_SMTP_PASSWORD only (env UNYO_REPORT_SMTP_USER)")
	fs.StringVar(&c.tls, "report-smtp-tls", env("UNYO_REPORT_SMTP_TLS", "mandatory"), "STARTTLS: mandatory, opportunistic or none (env UNYO_REPORT_SMTP_TLS)")
	fs.StringVar(&c.font, "report-font", env("UNYO_REPORT_FONT", ""), "TrueType font for report PDFs; empty finds IPAex Gothic (Debian "+report.FontPackage+") (env UNYO_REPORT_FONT)")
	fs.DurationVar(&c.interval, "report-schedule-interval", time.Hour, "how often the schedule looks for tenants whose last month's draft is due")
	// A flag would show the password in ps.
	c.password = os.Getenv("UNYO_REPORT_SMTP_PASSWORD")
}

// mailer is the SMTP relay that delivers reports; nil when --report-smtp is empty.
func (c *reportConfig) mailer() (report.Mailer, error) {
	if c.smtp == "" {
		return nil, nil
	}
	host, port, err := net.SplitHostPort(c.smtp)
	if err != nil {
		return nil, fmt.Errorf("--report-smtp %q: %w", c.smtp, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("--report-smtp %q: bad port", c.smtp)
	}
	return report.SMTP{Host: host, Port: p, From: c.from, Username: c.user, Password: c.password, TLS: c.tls}, nil
}

// runReport is `unyo report`: it asks a running server for the report of
// the period over its API and writes the PDF or HTML. Going through the API,
// not the data directory, keeps the TSDB with its one owner and the tenant
// scoping of the caller's token. A draft of the same period (and service)
// is reused, with the operator's topics, unless --new asks for another.
func runReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("unyo report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", env("UNYO_SERVER", "http://127.0.0.1:8080"), "URL of the unyo server (env UNYO_SERVER)")
	tenant := fs.String("tenant", "", "tenant ID (required)")
	from := fs.String("from", "", "first day, e.g. 2026-11-01, in the tenant's time zone (required)")
	to := fs.String("to", "", "last day, inclusive, e.g. 2026-11-30 (required)")
	out := fs.String("o", "report.pdf", "output file: .pdf or .html (with --each-service, each service's name is added before the extension)")
	publish := fs.Bool("publish", false, "publish the draft, freezing it, before writing the file")
	fresh := fs.Bool("new", false, "make a new draft even when the period already has one")
	service := fs.String("service", "", "the report of this one service (by name) rather than of the whole tenant")
	each := fs.Bool("each-service", false, "one report per service of the tenant, each in its own file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	token := os.Getenv("UNYO_TOKEN")
	switch {
	case *tenant == "" || *from == "" || *to == "":
		fmt.Fprintln(stderr, "unyo report: --tenant, --from and --to are required")
		return 2
	case *each && *service != "":
		fmt.Fprintln(stderr, "unyo report: --service and --each-service exclude each other")
		return 2
	case token == "":
		fmt.Fprintln(stderr, "unyo report: set UNYO_TOKEN to an API token with the write scope on the tenant")
		return 2
	}
	c := &apiClient{base: strings.TrimRight(*server, "/"), token: token, http: &http.Client{Timeout: 10 * time.Minute}}
	job := reportJob{c: c, base: "/api/v1/tenants/" + url.PathEscape(*tenant) + "/reports", from: *from, to: *to, publish: *publish, fresh: *fresh}
	services := []string{*service}
	if *each {
		var list []struct {
			Name string `json:"name"`
		}
		if err := c.do("GET", "/api/v1/tenants/"+url.PathEscape(*tenant)+"/services", nil, &list); err != nil {
			fmt.Fprintln(stderr, "unyo report:", err)
			return 1
		}
		if len(list) == 0 {
			fmt.Fprintf(stderr, "unyo report: tenant %s has no services\n", *tenant)
			return 1
		}
		services = services[:0]
		for _, s := range list {
			services = append(services, s.Name)
		}
	}
	for _, svc := range services {
		path := *out
		if *each {
			path = serviceFile(*out, svc)
		}
		msg, err := job.run(svc, path)
		if err != nil {
			fmt.Fprintln(stderr, "unyo report:", err)
			return 1
		}
		fmt.Fprintln(stdout, msg)
	}
	return 0
}

// reportJob makes (or reuses) a draft, publishes it if asked, and
// downloads it.
type reportJob struct {
	c              *apiClient
	base           string
	from, to       string
	publish, fresh bool
}

// storedReport is what the CLI reads of a report.
type storedReport struct {
	ID       int64  `json:"id"`
	Service  string `json:"service"`
	State    string `json:"state"`
	FirstDay string `json:"first_day"`
	LastDay  string `json:"last_day"`
}

func (j reportJob) run(service, path string) (string, error) {
	st, reused, err := j.draft(service)
	if err != nil {
		return "", err
	}
	id := "/" + strconv.FormatInt(st.ID, 10)
	state := "draft"
	if j.publish {
		if err := j.c.do("POST", j.base+id+"/publish", nil, nil); err != nil {
			return "", err
		}
		state = "published"
	}
	kind := "pdf"
	if strings.HasSuffix(strings.ToLower(path), ".html") {
		kind = "html"
	}
	var b bytes.Buffer
	if err := j.c.do("GET", j.base+id+"/report."+kind, nil, &b); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		return "", err
	}
	if reused {
		state += ", the period's existing draft"
	}
	return fmt.Sprintf("report %d (%s) written to %s", st.ID, state, path), nil
}

// draft finds the period's draft of service, or makes one: with --new, or
// when there is none (a published report of the period is not reused:
// it is frozen, and --publish would fail on it).
func (j reportJob) draft(service string) (storedReport, bool, error) {
	if !j.fresh {
		var list []storedReport
		if err := j.c.do("GET", j.base, nil, &list); err != nil {
			return storedReport{}, false, err
		}
		for _, st := range list { // newest first
			if st.State == "draft" && st.Service == service && st.FirstDay == j.from && st.LastDay == j.to {
				return st, true, nil
			}
		}
	}
	var st storedReport
	err := j.c.do("POST", j.base, map[string]string{"from": j.from, "to": j.to, "service": service}, &st)
	return st, false, err
}

// serviceFile is out with the service's name before the extension:
// report.pdf → report-ECサイト.pdf. A path separator in the name is
// replaced, so the file stays where out says.
func serviceFile(out, service string) string {
	ext := filepath.Ext(out)
	name := strings.Map(func(r rune) rune {
		if r == '/' || r == os.PathSeparator || r == 0 {
			return '_'
		}
		return r
	}, service)
	return strings.TrimSuffix(out, ext) + "-" + name + ext
}

type apiClient struct {
	base, token string
	http        *http.Client
}

// do calls the API; out is a *bytes.Buffer for a file, else decoded JSON.
func (c *apiClient) do(method, path string, in, out any) error {
	var body io.Reader
	switch b := in.(type) {
	case nil:
	case []byte: // a file, sent as it is
		body = bytes.NewReader(b)
	default:
		data, _ := json.Marshal(in)
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 512<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(data)))
	}
	switch o := out.(type) {
	case nil:
		return nil
	case *bytes.Buffer:
		o.Write(data)
		return nil
	default:
		return json.Unmarshal(data, out)
	}
}
