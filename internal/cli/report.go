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

// runReport is `unyo report`: it asks a running server for a draft of the
// period over its API and writes the PDF or HTML. Going through the API, not
// the data directory, keeps the TSDB with its one owner and the tenant
// scoping of the caller's token.
func runReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("unyo report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", env("UNYO_SERVER", "http://127.0.0.1:8080"), "URL of the unyo server (env UNYO_SERVER)")
	tenant := fs.String("tenant", "", "tenant ID (required)")
	from := fs.String("from", "", "first day, e.g. 2026-11-01, in the tenant's time zone (required)")
	to := fs.String("to", "", "last day, inclusive, e.g. 2026-11-30 (required)")
	out := fs.String("o", "report.pdf", "output file: .pdf or .html")
	publish := fs.Bool("publish", false, "publish the draft, freezing it, before writing the file")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	token := os.Getenv("UNYO_TOKEN")
	switch {
	case *tenant == "" || *from == "" || *to == "":
		fmt.Fprintln(stderr, "unyo report: --tenant, --from and --to are required")
		return 2
	case token == "":
		fmt.Fprintln(stderr, "unyo report: set UNYO_TOKEN to an API token with the write scope on the tenant")
		return 2
	}
	kind := "pdf"
	if strings.HasSuffix(strings.ToLower(*out), ".html") {
		kind = "html"
	}
	c := &apiClient{base: strings.TrimRight(*server, "/"), token: token, http: &http.Client{Timeout: 10 * time.Minute}}
	base := "/api/v1/tenants/" + url.PathEscape(*tenant) + "/reports"
	var st struct {
		ID int64 `json:"id"`
	}
	if err := c.do("POST", base, map[string]string{"from": *from, "to": *to}, &st); err != nil {
		fmt.Fprintln(stderr, "unyo report:", err)
		return 1
	}
	id := "/" + strconv.FormatInt(st.ID, 10)
	if *publish {
		if err := c.do("POST", base+id+"/publish", nil, nil); err != nil {
			fmt.Fprintln(stderr, "unyo report:", err)
			return 1
		}
	}
	var b bytes.Buffer
	if err := c.do("GET", base+id+"/report."+kind, nil, &b); err != nil {
		fmt.Fprintln(stderr, "unyo report:", err)
		return 1
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o600); err != nil {
		fmt.Fprintln(stderr, "unyo report:", err)
		return 1
	}
	fmt.Fprintf(stdout, "report %d (%s) written to %s\n", st.ID, map[bool]string{true: "published", false: "draft"}[*publish], *out)
	return 0
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
