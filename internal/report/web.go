package report

import (
	"context"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
)

// Web access and sessions (Webアクセス数・セッション統計) come from what an
// MSP's hosts already send, in this order of the sources below; a host
// has one row per source found, and the report names the source:
//
//   - app: the application's own instrumentation, http_requests_total (with
//     a code or status label: the status classes) and
//     http_request_duration_seconds, and a web_sessions_active gauge;
//   - tomcat: the JMX exporter of the built-in Tomcat template, with the
//     exporter's example rules (tomcat_requestcount_total,
//     tomcat_errorcount_total, tomcat_processingtime_total in ms, and
//     activeSessions as catalina_manager_activesessions);
//   - apache: apache_exporter of the built-in Apache template
//     (apache_accesses_total, apache_duration_ms_total where the exporter
//     has it, and the open connections apache_connections{state="total"});
//   - access_log: log items on a web server's access log: the lines the
//     agent read from a file whose path names an access log (access_log,
//     access.log, localhost_access_log.*, IIS's W3SVC*), one line a request.
//
// Unique clients and sessions come from log items with a client (session)
// field: the agent counts the distinct values of each of the tenant's days
// (unyo_log_unique_clients{window="day"}), whose last point in a day is
// the day's count. They go on the host's access_log row (a row of its own
// when the host has no other), with the fields named.

// webSource is one way to read a host's web traffic.
type webSource struct {
	name         string
	requests     string                   // a counter of requests
	keep         func(labels.Labels) bool // the requests series to count; nil: all
	errors       string                   // a counter of failed requests; "" when the source has none
	timeSum      string                   // a counter of time spent answering ...
	timeCount    string                   // ... over a counter of requests answered
	timeToMs     float64                  // timeSum's unit in ms
	sessions     string                   // a gauge of sessions or connections
	keepSessions func(labels.Labels) bool
	sessionsKind string // sessions, connections
	classes      bool   // the requests carry the status code
}

// accessLogPath matches the paths of web servers' access logs.
var accessLogPath = regexp.MustCompile(`(?i)(access[._-]?log|/W3SVC\d*/)`)

var webSources = []webSource{
	{name: "app", requests: "http_requests_total", timeSum: "http_request_duration_seconds_sum", timeCount: "http_request_duration_seconds_count",
		timeToMs: 1000, sessions: "web_sessions_active", sessionsKind: "sessions", classes: true},
	{name: "tomcat", requests: "tomcat_requestcount_total", errors: "tomcat_errorcount_total", timeSum: "tomcat_processingtime_total",
		timeCount: "tomcat_requestcount_total", timeToMs: 1, sessions: "catalina_manager_activesessions", sessionsKind: "sessions"},
	{name: "apache", requests: "apache_accesses_total", timeSum: "apache_duration_ms_total", timeCount: "apache_accesses_total", timeToMs: 1,
		sessions: "apache_connections", sessionsKind: "connections",
		keepSessions: func(ls labels.Labels) bool { return ls.Get("state") == "total" }},
	{name: "access_log", requests: "unyo_log_lines_read_total",
		keep: func(ls labels.Labels) bool { return accessLogPath.MatchString(ls.Get("path")) }},
}

// web fills the web access figures of the hosts that have such series.
func (g *Generator) web(ctx context.Context, r *Report) {
	var failed error
	for _, src := range webSources {
		rows, err := g.webFrom(ctx, r, src)
		if err != nil {
			failed = err
			continue
		}
		r.Web = append(r.Web, rows...)
	}
	if err := g.uniques(ctx, r); err != nil {
		failed = err
	}
	sort.SliceStable(r.Web, func(i, j int) bool { return r.Web[i].Host < r.Web[j].Host })
	if len(r.Web) == 0 {
		g.note(r, "web", "no.web", failed)
	}
}

// webFrom reads one source's rows, one per host that has its requests.
func (g *Generator) webFrom(ctx context.Context, r *Report, src webSource) ([]WebStats, error) {
	q := StepQuery{Name: src.requests, From: r.From, To: r.To, Step: time.Duration(r.Step), Counter: true}
	prevQ := q
	prevQ.From, prevQ.To = r.PrevFrom, r.From
	res, err := g.read(ctx, r.Tenant, q, prevQ)
	if err != nil {
		return nil, err
	}
	now, prev := filter(res[0], src.keep), filter(res[1], src.keep)
	if len(now) == 0 {
		return nil, nil
	}
	webs := map[string]*WebStats{}
	for h, vs := range sumBy(now, byHost) {
		webs[h] = &WebStats{Host: h, Source: src.name, Requests: sumOf(vs), Errors: -1, ResponseMs: -1}
	}
	for h, vs := range sumBy(prev, byHost) {
		if w := webs[h]; w != nil {
			w.PrevRequests = sumOf(vs)
		}
	}
	if src.classes {
		for _, s := range now {
			code := s.Labels.Get("code")
			if code == "" {
				code = s.Labels.Get("status")
			}
			w := webs[s.Labels.Get("host")]
			if w == nil || len(code) != 3 || code[0] < '1' || code[0] > '5' {
				continue
			}
			if w.StatusClasses == nil {
				w.StatusClasses = map[string]float64{}
			}
			w.StatusClasses[code[:1]+"xx"] += sumOf(s.Values)
		}
		for _, w := range webs {
			if w.StatusClasses != nil {
				w.Errors = w.StatusClasses["5xx"]
			}
		}
	}
	var extra []StepQuery
	if src.errors != "" {
		extra = append(extra, q.counter(src.errors))
	}
	if src.timeSum != "" {
		extra = append(extra, q.counter(src.timeSum), q.counter(src.timeCount))
	}
	if src.sessions != "" {
		extra = append(extra, q.with(src.sessions))
	}
	more, err := g.read(ctx, r.Tenant, extra...)
	if err != nil {
		return nil, err
	}
	if src.errors != "" {
		for h, vs := range sumBy(more[0], byHost) {
			if w := webs[h]; w != nil {
				w.Errors = sumOf(vs)
			}
		}
		more = more[1:]
	}
	if src.timeSum != "" {
		sums, counts := sumBy(more[0], byHost), sumBy(more[1], byHost)
		for h, w := range webs {
			if n := sumOf(counts[h]); n > 0 && sums[h] != nil {
				w.ResponseMs = round(sumOf(sums[h]) * src.timeToMs / n)
			}
		}
		more = more[2:]
	}
	if src.sessions != "" {
		for h, vs := range sumBy(filter(more[0], src.keepSessions), byHost) {
			if w := webs[h]; w != nil {
				w.Sessions, w.SessionsKind = statsOf(vs), src.sessionsKind
			}
		}
	}
	out := make([]WebStats, 0, len(webs))
	for _, w := range webs {
		out = append(out, *w)
	}
	return out, nil
}

// counter is q for another counter.
func (q StepQuery) counter(name string) StepQuery {
	q.Name, q.Counter = name, true
	return q
}

// filter keeps the series keep accepts; all of them when keep is nil.
func filter(ss []StepSeries, keep func(labels.Labels) bool) []StepSeries {
	if keep == nil {
		return ss
	}
	var out []StepSeries
	for _, s := range ss {
		if keep(s.Labels) {
			out = append(out, s)
		}
	}
	return out
}

// statusText writes the status classes' shares: "2xx 95.0% 4xx 3.0% 5xx 2.0%".
func statusText(classes map[string]float64) string {
	total := 0.0
	for _, v := range classes {
		total += v
	}
	if total == 0 {
		return "-"
	}
	var parts []string
	for _, c := range []string{"1xx", "2xx", "3xx", "4xx", "5xx"} {
		if v, ok := classes[c]; ok {
			parts = append(parts, c+" "+pct1(100*v/total))
		}
	}
	return strings.Join(parts, " ")
}

// sumOf adds the increases of the steps; they tile the period.
func sumOf(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		if !math.IsNaN(v) {
			s += v
		}
	}
	return math.Round(s)
}

// uniques adds the distinct clients and sessions of each day to the hosts'
// rows. A host with several such items (two sites) adds theirs up.
func (g *Generator) uniques(ctx context.Context, r *Report) error {
	// Step i covers (day start − 1 ms, day end − 1 ms]: the final count the
	// agent stamps at a day's last millisecond is that day's last point,
	// and a point at the next midnight belongs to the next day.
	q := StepQuery{Name: "unyo_log_unique_clients", From: r.From.Add(-time.Millisecond), To: r.To.Add(-time.Millisecond), Step: 24 * time.Hour}
	if q.steps() <= 0 {
		return nil
	}
	res, err := g.read(ctx, r.Tenant, q, q.with("unyo_log_unique_sessions"))
	if err != nil {
		return err
	}
	day := func(ls labels.Labels) bool { return ls.Get("window") == "day" }
	for i, ss := range res {
		ss = filter(ss, day)
		if len(ss) == 0 {
			continue
		}
		perDay := map[string][]float64{}
		fields := map[string][]string{}
		for _, s := range ss {
			h := s.Labels.Get("host")
			if perDay[h] == nil {
				perDay[h] = make([]float64, len(s.Values))
				for d := range perDay[h] {
					perDay[h][d] = math.NaN()
				}
			}
			for d, v := range s.Values {
				if math.IsNaN(v) {
					continue
				}
				if math.IsNaN(perDay[h][d]) {
					perDay[h][d] = 0
				}
				perDay[h][d] += v
			}
			if f := s.Labels.Get("field"); f != "" && !slices.Contains(fields[h], f) {
				fields[h] = append(fields[h], f)
			}
		}
		for h, vs := range perDay {
			st := statsOf(vs)
			if st.N == 0 {
				continue
			}
			w := r.webRow(h)
			if i == 0 {
				w.UniqueClients = st
				for _, f := range fields[h] {
					if !slices.Contains(w.ClientFields, f) {
						w.ClientFields = append(w.ClientFields, f)
					}
				}
				sort.Strings(w.ClientFields)
			} else {
				w.UniqueSessions = st
			}
		}
	}
	return nil
}

// webRow is host's access_log row, else its first row, else a new
// access_log row with no request figures.
func (r *Report) webRow(host string) *WebStats {
	first := -1
	for i := range r.Web {
		if r.Web[i].Host != host {
			continue
		}
		if r.Web[i].Source == "access_log" {
			return &r.Web[i]
		}
		if first < 0 {
			first = i
		}
	}
	if first >= 0 {
		return &r.Web[first]
	}
	r.Web = append(r.Web, WebStats{Host: host, Source: "access_log", Requests: -1, PrevRequests: -1, Errors: -1, ResponseMs: -1})
	return &r.Web[len(r.Web)-1]
}
