package cli

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	promstorage "github.com/prometheus/prometheus/storage"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/maintenance"
	"github.com/unyo-ops/unyo/internal/metricstore"
	"github.com/unyo-ops/unyo/internal/report"
	"github.com/unyo-ops/unyo/internal/route"
	"github.com/unyo-ops/unyo/internal/storage"
	"github.com/unyo-ops/unyo/internal/workreport"
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

// newReports builds the report workflow, its API and its monthly schedule.
// A missing font leaves the PDF out (logged, naming the package) rather than
// stopping the server.
func newReports(cfg *reportConfig, db *sql.DB, store *storage.Store, metrics *metricstore.Store, authz route.Authorizer, logger *slog.Logger) (*report.Handlers, *report.Scheduler, error) {
	logger = logger.With("component", "report")
	src := reportSources(db, store, metrics, logger)
	pdf, err := report.NewPDF(cfg.font)
	if err != nil {
		logger.Error("report PDFs are off", "err", err)
		pdf = nil
	}
	var mailer report.Mailer
	if cfg.smtp != "" {
		host, port, err := net.SplitHostPort(cfg.smtp)
		if err != nil {
			return nil, nil, fmt.Errorf("--report-smtp %q: %w", cfg.smtp, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, nil, fmt.Errorf("--report-smtp %q: bad port", cfg.smtp)
		}
		mailer = report.SMTP{Host: host, Port: p, From: cfg.from, Username: cfg.user, Password: cfg.password, TLS: cfg.tls}
	}
	svc := report.NewService(report.NewGenerator(src, logger), report.NewStore(db), pdf, mailer, logger)
	return report.NewHandlers(svc, authz, store, logger), report.NewScheduler(svc, store, cfg.interval, logger), nil
}

// reportSources is what a report reads: the TSDB, and the stores of the
// alerts, incidents, requests, work reports and maintenance windows.
func reportSources(db *sql.DB, store *storage.Store, metrics *metricstore.Store, logger *slog.Logger) report.Sources {
	// The chunk view of the TSDB skips the sample iterators' merge layers;
	// the report adds the tenant matcher to its every select itself.
	chunks, _ := metrics.Queryable().(promstorage.ChunkQueryable)
	tsdb := report.TSDB{Store: metrics, Chunks: chunks}
	return report.Sources{
		Tenants:     store,
		Metrics:     tsdb,
		Downtime:    report.CheckDowntime{Metrics: tsdb, Resources: store},
		Alerts:      alertSource{alert.NewStore(db)},
		Incidents:   incidentSource{incident.NewStore(db, logger), store},
		Requests:    requestSource{incident.NewStore(db, logger)},
		Work:        workSource{workreport.NewStore(db)},
		Maintenance: maintenanceSource{maintenance.NewStore(db), store},
	}
}

// alertSource adapts the alert store to the report's AlertSource.
type alertSource struct{ store *alert.Store }

func (a alertSource) Alerts(ctx context.Context, tenant string, from, to time.Time) ([]report.AlertRecord, error) {
	as, err := a.store.List(ctx, tenant, alert.Filter{From: from, To: to, Limit: 100_000})
	if err != nil {
		return nil, err
	}
	out := make([]report.AlertRecord, 0, len(as))
	for _, x := range as {
		if x.FiredAt == nil || x.FiredAt.Before(from) || !x.FiredAt.Before(to) {
			continue // counted in the period it fired in
		}
		item := x.Labels["item"]
		if item == "" {
			item = x.Title.In("ja")
		}
		out = append(out, report.AlertRecord{Item: item, Host: x.Resource, Severity: string(x.Severity), FiredAt: *x.FiredAt, Resolved: x.ResolvedAt})
	}
	return out, nil
}

// serviceNames maps tenant's service IDs to names.
func serviceNames(ctx context.Context, store *storage.Store, tenant string) (map[int64]string, error) {
	svcs, err := store.Services(ctx, tenant)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(svcs))
	for _, s := range svcs {
		m[s.ID] = s.Name
	}
	return m, nil
}

// incidentSource adapts the incident desk: the SLA result is the resolve
// clock's, met unless it breached.
type incidentSource struct {
	store   *incident.Store
	objects *storage.Store
}

func (s incidentSource) Incidents(ctx context.Context, tenant string, from, to time.Time) ([]report.IncidentRecord, error) {
	list, err := s.store.Incidents(ctx, tenant, incident.Filter{From: from, To: to, Limit: 10_000})
	if err != nil {
		return nil, err
	}
	names, err := serviceNames(ctx, s.objects, tenant)
	if err != nil {
		return nil, err
	}
	out := make([]report.IncidentRecord, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- { // oldest first, as the report reads
		inc := list[i]
		rec := report.IncidentRecord{ID: inc.Number, Title: inc.ShortDescription, Service: names[inc.ServiceID],
			Severity: inc.PriorityName, OpenedAt: inc.OpenedAt, ResolvedAt: inc.ResolvedAt}
		clocks, err := s.store.Clocks(ctx, inc, to)
		if err != nil {
			return nil, err
		}
		for _, c := range clocks {
			if c.Clock == incident.ClockResolve && c.Target > 0 {
				met := c.BreachedAt == nil
				rec.SLAMet, rec.SLAUsed = &met, float64(c.Elapsed)/float64(c.Target)
			}
		}
		out = append(out, rec)
	}
	return out, nil
}

// requestSource adapts inquiries and catalog requests: their SLA result is
// the resolve clock's, where the service sets one.
type requestSource struct{ store *incident.Store }

func (s requestSource) Requests(ctx context.Context, tenant string, from, to time.Time) ([]report.RequestRecord, error) {
	list, err := s.store.Incidents(ctx, tenant, incident.Filter{Kinds: []incident.Kind{incident.KindInquiry, incident.KindRequest}, From: from, To: to, Limit: 10_000})
	if err != nil {
		return nil, err
	}
	out := make([]report.RequestRecord, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- { // oldest first
		r := list[i]
		rec := report.RequestRecord{ID: r.Number, Title: r.ShortDescription, OpenedAt: r.OpenedAt, ClosedAt: r.ResolvedAt}
		clocks, err := s.store.Clocks(ctx, r, to)
		if err != nil {
			return nil, err
		}
		for _, c := range clocks {
			if c.Clock == incident.ClockResolve && c.Target > 0 {
				met := c.BreachedAt == nil
				rec.SLAMet = &met
			}
		}
		out = append(out, rec)
	}
	return out, nil
}

// workSource adapts the work reports (作業報告).
type workSource struct{ store *workreport.Store }

func (s workSource) WorkReports(ctx context.Context, tenant string, from, to time.Time) ([]report.WorkRecord, error) {
	list, err := s.store.List(ctx, tenant, workreport.Filter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	out := make([]report.WorkRecord, 0, len(list))
	for _, w := range list {
		out = append(out, report.WorkRecord{Title: w.Subject, Start: w.StartedAt, End: w.EndedAt, Summary: w.Detail})
	}
	return out, nil
}

// maintenanceSource adapts the maintenance windows that cover a whole
// service or the whole tenant; a window of one host or of labels does not
// take a service out of its measured time.
type maintenanceSource struct {
	store   *maintenance.Store
	objects *storage.Store
}

func (s maintenanceSource) Windows(ctx context.Context, tenant string, from, to time.Time) ([]report.Interval, error) {
	list, err := s.store.List(ctx, tenant)
	if err != nil {
		return nil, err
	}
	names, err := serviceNames(ctx, s.objects, tenant)
	if err != nil {
		return nil, err
	}
	var out []report.Interval
	for _, w := range list {
		if w.ResourceID != nil || len(w.Labels) > 0 {
			continue
		}
		svc := ""
		if w.ServiceID != nil {
			svc = names[*w.ServiceID]
		}
		for _, iv := range w.Occurrences(from, to) {
			out = append(out, report.Interval{Service: svc, Start: iv.Start, End: iv.End})
		}
	}
	return out, nil
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
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
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
