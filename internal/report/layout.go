package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/unyo-ops/unyo/internal/chart"
)

// Document is a report laid out as sections of blocks, in its language. The
// HTML and the PDF both render a Document, so they say the same things in
// the same order.
type Document struct {
	Lang      string
	Title     string
	Tenant    string
	Period    string
	Generated string
	Sections  []Section
}

// Section is one numbered part of the report.
type Section struct {
	Title  string
	Blocks []Block
}

// Block is one thing in a section: exactly one of its fields is set, but
// Heading may come with any other.
type Block struct {
	Heading string
	Text    string
	Note    string // an explained empty part
	Table   *Table
	Chart   *chart.Chart
}

// Table is a table with a header row.
type Table struct {
	Head []string
	Rows [][]string
}

// Layout lays r out.
func Layout(r *Report) *Document {
	l := r.Language
	loc := r.location()
	last := r.To.Add(-time.Nanosecond)
	d := &Document{
		Lang: l, Title: tr(l, "title"), Tenant: r.TenantName,
		Period:    periodText(l, r.From.In(loc), last.In(loc)),
		Generated: dateTimeText(l, r.GeneratedAt.In(loc)),
	}
	if r.Service != "" {
		d.Title = tr(l, "title.service", r.Service)
	}
	d.Sections = []Section{
		{tr(l, "s.summary"), summaryBlocks(r)},
		{tr(l, "s.performance"), performanceBlocks(r)},
	}
	// 運行実績 only for a tenant with capacity groups (or to say why it
	// could not be read).
	if _, failed := r.Notes["operations"]; len(r.Operations) > 0 || failed {
		d.Sections = append(d.Sections, Section{tr(l, "s.operations"), operationBlocks(r)})
	}
	d.Sections = append(d.Sections, []Section{
		{tr(l, "s.alerts"), alertBlocks(r)},
		{tr(l, "s.responses"), responseBlocks(r)},
		{tr(l, "s.backups"), backupBlocks(r)},
		{tr(l, "s.topics"), topicBlocks(r)},
	}...)
	// 改善提案 only for a report made with the improvement register.
	if r.Improvements != nil {
		d.Sections = append(d.Sections, Section{tr(l, "s.improvements"), improvementBlocks(r)})
	}
	d.Sections = append(d.Sections, Section{tr(l, "s.capacity"), capacityBlocks(r)})
	for i := range d.Sections {
		d.Sections[i].Title = strconv.Itoa(i+1) + ". " + d.Sections[i].Title
	}
	return d
}

func note(r *Report, section string) []Block {
	if k, ok := r.Notes[section]; ok {
		return []Block{{Note: tr(r.Language, k)}}
	}
	return nil
}

func summaryBlocks(r *Report) []Block {
	l, s := r.Language, r.Summary
	var out []Block
	if len(s.Services) > 0 {
		t := &Table{Head: []string{tr(l, "service"), tr(l, "target"), tr(l, "availability"), tr(l, "downtime"), ""}}
		for _, a := range s.Services {
			res := tr(l, "met")
			if !a.Met {
				res = tr(l, "missed")
			}
			t.Rows = append(t.Rows, []string{a.Service, pct3(a.Target), pct3(a.Percent), minutes(l, time.Duration(a.Downtime)), res})
		}
		out = append(out, Block{Table: t})
	} else {
		out = append(out, note(r, "summary")...)
	}
	counts := &Table{Head: []string{"", tr(l, "this"), tr(l, "prev"), tr(l, "trend")}}
	for _, c := range []struct {
		key string
		c   Count
	}{{"incidents", s.Incidents}, {"alerts", s.Alerts}, {"requests", s.Requests}, {"work", s.WorkReports}} {
		counts.Rows = append(counts.Rows, []string{tr(l, c.key), strconv.Itoa(c.c.Now), strconv.Itoa(c.c.Prev), signed(float64(c.c.Now - c.c.Prev))})
	}
	counts.Rows = append(counts.Rows, []string{tr(l, "sla_met") + " / " + tr(l, "sla_missed") + " / " + tr(l, "sla_open"),
		fmt.Sprintf("%d / %d / %d", s.IncidentsMet, s.IncidentsMiss, s.IncidentsOpen), "", ""})
	return append(out, Block{Table: counts})
}

func performanceBlocks(r *Report) []Block {
	l := r.Language
	var out []Block
	if len(r.Hosts) == 0 {
		// A host without node metrics (a web server seen through its
		// exporter only) still has its web access below.
		out = note(r, "performance")
	}
	head := []string{"", tr(l, "avg"), tr(l, "p95"), tr(l, "max"), tr(l, "prev") + " " + tr(l, "avg"), tr(l, "trend")}
	for _, h := range r.Hosts {
		t := &Table{Head: head}
		t.Rows = append(t.Rows, statsRow(tr(l, "cpu"), h.CPU, h.PrevCPU), statsRow(tr(l, "mem"), h.Mem, h.PrevMem))
		out = append(out, Block{Heading: h.Host, Table: t})
		out = append(out, Block{Chart: &chart.Chart{
			Title: h.Host + " " + tr(l, "cpu") + " / " + tr(l, "mem"), Unit: "%", YMin: 0, YMax: 100, Threshold: cpuHighP95,
			From: r.From, To: r.To, Location: r.location(),
			Series: []chart.Series{{Name: tr(l, "cpu"), Points: h.CPULine}, {Name: tr(l, "mem"), Points: h.MemLine}},
		}})
		if len(h.Disks) > 0 {
			dt := &Table{Head: []string{tr(l, "mount"), tr(l, "used"), tr(l, "at_start"), tr(l, "growth"), tr(l, "full_in")}}
			for _, d := range h.Disks {
				growth, full := humanize.Bytes(uint64(max(d.GrowthPerDay, 0))), "-"
				switch d.Forecast {
				case ForecastFull:
					full = days(l, d.DaysToFull)
				case ForecastShortData:
					growth, full = "-", tr(l, "no_forecast.short")
				case ForecastNoTrend:
					growth, full = "-", tr(l, "no_forecast.trend")
				}
				dt.Rows = append(dt.Rows, []string{d.Mount, pct1(d.UsedPercent), pct1(d.StartPercent), growth, full})
			}
			out = append(out, Block{Table: dt})
		}
	}
	out = append(out, Block{Heading: tr(l, "s.web")})
	if len(r.Web) == 0 {
		return append(out, Block{Note: tr(l, "no.web")})
	}
	wt := &Table{Head: []string{tr(l, "host"), tr(l, "web.source"), tr(l, "requests"), tr(l, "prev"), tr(l, "trend"), tr(l, "web.errors"),
		tr(l, "web.status"), tr(l, "web.response"), tr(l, "sessions") + " " + tr(l, "avg") + " / " + tr(l, "max")}}
	for _, w := range r.Web {
		errs, resp, sess := "-", "-", "-"
		if w.Errors >= 0 {
			errs = humanize.Comma(int64(w.Errors))
		}
		if w.ResponseMs >= 0 {
			resp = num1(w.ResponseMs) + " ms"
		}
		if w.Sessions.N > 0 {
			sess = num1(w.Sessions.Avg) + " / " + num1(w.Sessions.Max)
			if w.SessionsKind == "connections" {
				sess += " " + tr(l, "web.connections")
			}
		}
		if w.Requests < 0 {
			continue // only distinct clients for this host: the table below
		}
		wt.Rows = append(wt.Rows, []string{w.Host, tr(l, "web.src."+w.Source), humanize.Comma(int64(w.Requests)), humanize.Comma(int64(w.PrevRequests)),
			ratio(w.Requests, w.PrevRequests), errs, statusText(w.StatusClasses), resp, sess})
	}
	if len(wt.Rows) > 0 {
		out = append(out, Block{Table: wt})
	}
	if ut := uniqueTable(r); ut != nil {
		out = append(out, Block{Table: ut})
	}
	return out
}

// uniqueTable is the distinct clients and sessions a day of the hosts
// whose access logs are read with a client field; nil when none is.
func uniqueTable(r *Report) *Table {
	l := r.Language
	t := &Table{Head: []string{tr(l, "host"), tr(l, "web.source"), tr(l, "web.clients_day") + " " + tr(l, "avg") + " / " + tr(l, "max"),
		tr(l, "web.sessions_day") + " " + tr(l, "avg") + " / " + tr(l, "max")}}
	for _, w := range r.Web {
		if w.UniqueClients.N == 0 && w.UniqueSessions.N == 0 {
			continue
		}
		clients, sessions := "-", "-"
		if w.UniqueClients.N > 0 {
			clients = humanize.Comma(int64(w.UniqueClients.Avg)) + " / " + humanize.Comma(int64(w.UniqueClients.Max))
		}
		if w.UniqueSessions.N > 0 {
			sessions = humanize.Comma(int64(w.UniqueSessions.Avg)) + " / " + humanize.Comma(int64(w.UniqueSessions.Max))
		}
		src := tr(l, "web.src.client_field")
		if len(w.ClientFields) > 0 {
			src += " (" + strings.Join(w.ClientFields, ", ") + ")"
		}
		t.Rows = append(t.Rows, []string{w.Host, src, clients, sessions})
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

func statsRow(name string, s, prev Stats) []string {
	if s.N == 0 {
		return []string{name, "-", "-", "-", "-", "-"}
	}
	p, tr := "-", "-"
	if prev.N > 0 {
		p, tr = pct1(prev.Avg), signed(s.Avg-prev.Avg)+"pt"
	}
	return []string{name, pct1(s.Avg), pct1(s.P95), pct1(s.Max), p, tr}
}

func alertBlocks(r *Report) []Block {
	l, a := r.Language, r.Alerts
	if a.Total.Now == 0 {
		out := note(r, "alerts")
		if a.Total.Prev > 0 {
			out = append(out, Block{Text: tr(l, "prev") + ": " + strconv.Itoa(a.Total.Prev)})
		}
		return out
	}
	out := []Block{{Text: fmt.Sprintf("%s: %d (%s %d, %s)", tr(l, "alerts"), a.Total.Now, tr(l, "prev"), a.Total.Prev, signed(float64(a.Total.Now-a.Total.Prev)))}}
	days := &chart.Chart{Title: tr(l, "alerts") + " " + tr(l, "day"), Kind: chart.Bar, Series: []chart.Series{{Name: tr(l, "count")}}}
	for _, d := range a.ByDay {
		days.Categories = append(days.Categories, d.Key[8:])
		days.Series[0].Values = append(days.Series[0].Values, float64(d.Count))
	}
	out = append(out, Block{Chart: days})
	for _, k := range []struct {
		key  string
		rows []KeyCount
	}{{"severity", a.BySeverity}, {"item", a.ByItem}, {"host", a.ByHost}, {"noisiest", a.Noisiest}} {
		t := &Table{Head: []string{tr(l, k.key), tr(l, "count")}}
		for _, kc := range k.rows {
			label := kc.Label(l)
			if k.key == "severity" {
				label = trOr(l, "sev."+kc.Key, kc.Key)
			}
			t.Rows = append(t.Rows, []string{label, strconv.Itoa(kc.Count)})
		}
		out = append(out, Block{Heading: tr(l, k.key), Table: t})
	}
	return out
}

func responseBlocks(r *Report) []Block {
	l, loc, rs := r.Language, r.location(), r.Responses
	if len(rs.Incidents)+len(rs.Requests)+len(rs.Work)+len(rs.Vendors) == 0 {
		return note(r, "responses")
	}
	at := func(t time.Time) string { return tableTimeText(l, t.In(loc)) }
	atp := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return at(*t)
	}
	sla := func(met *bool, open bool) string {
		switch {
		case open:
			return tr(l, "open")
		case met == nil:
			return "-"
		case *met:
			return tr(l, "met")
		}
		return tr(l, "missed")
	}
	var out []Block
	if len(rs.Incidents) > 0 {
		t := &Table{Head: []string{"ID", tr(l, "title_col"), tr(l, "service"), tr(l, "priority"), tr(l, "opened"), tr(l, "resolved"), tr(l, "sla")}}
		for _, in := range rs.Incidents {
			prio := trOr(l, "sev."+strings.ToLower(in.Severity), in.Severity)
			if in.Priority > 0 {
				prio = tr(l, "prio."+strconv.Itoa(in.Priority))
			}
			title := in.Title
			if in.Titles != (Bilingual{}) {
				title = in.Titles.In(l)
			}
			t.Rows = append(t.Rows, []string{in.ID, title, in.Service, prio, at(in.OpenedAt), atp(in.ResolvedAt), sla(in.SLAMet, in.SLAOpen)})
		}
		out = append(out, Block{Heading: tr(l, "incidents"), Table: t})
	}
	if len(rs.Requests) > 0 {
		t := &Table{Head: []string{"ID", tr(l, "title_col"), tr(l, "opened"), tr(l, "resolved"), tr(l, "sla")}}
		for _, q := range rs.Requests {
			t.Rows = append(t.Rows, []string{q.ID, q.Title, at(q.OpenedAt), atp(q.ClosedAt), sla(q.SLAMet, q.SLAOpen)})
		}
		out = append(out, Block{Heading: tr(l, "requests"), Table: t})
	}
	if len(rs.Work) > 0 {
		t := &Table{Head: []string{tr(l, "title_col"), tr(l, "start"), tr(l, "end"), tr(l, "summary_col")}}
		for _, w := range rs.Work {
			t.Rows = append(t.Rows, []string{w.Title, at(w.Start), at(w.End), w.Summary})
		}
		out = append(out, Block{Heading: tr(l, "work"), Table: t})
	}
	if len(rs.Vendors) > 0 {
		t := &Table{Head: []string{tr(l, "vendor_col"), tr(l, "vendor_cases"), tr(l, "vendor_wait")}}
		for _, v := range rs.Vendors {
			w := v.Waiting.Round(time.Minute)
			t.Rows = append(t.Rows, []string{v.Vendor, strconv.Itoa(v.Cases), tr(l, "wait.hm", int(w/time.Hour), int(w%time.Hour/time.Minute))})
		}
		out = append(out, Block{Heading: tr(l, "vendors"), Table: t})
	}
	return out
}

func topicBlocks(r *Report) []Block {
	var out []Block
	for _, t := range append(append([]Topic(nil), r.Findings...), r.Topics...) {
		out = append(out, Block{Heading: tr(r.Language, "bullet") + t.Title, Text: t.Body})
		if m := topicMeta(r.Language, t); m != "" {
			out = append(out, Block{Text: m})
		}
	}
	if len(out) == 0 {
		out = append(out, Block{Note: tr(r.Language, "no.topics")})
	}
	if r.Comment != "" {
		out = append(out, Block{Heading: tr(r.Language, "s.comment"), Text: r.Comment})
	}
	return out
}

func capacityBlocks(r *Report) []Block {
	l := r.Language
	if len(r.Capacity) == 0 {
		return []Block{{Note: tr(l, "no.capacity")}}
	}
	t := &Table{Head: []string{tr(l, "host"), "", tr(l, "summary_col")}}
	for _, a := range r.Capacity {
		t.Rows = append(t.Rows, []string{a.Host, tr(l, a.Kind), a.sentence(l)})
	}
	return []Block{{Table: t}}
}

func pct1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }
func pct3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) + "%" }
func num1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func signed(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if v == float64(int64(v)) {
		s = strconv.FormatInt(int64(v), 10)
	}
	if v > 0 {
		return "+" + s
	}
	return s
}

func ratio(now, prev float64) string {
	if prev == 0 {
		return "-"
	}
	return signed(100*(now-prev)/prev) + "%"
}

// minutes is d in whole minutes, as "180分" or "180 min".
func minutes(l string, d time.Duration) string {
	return tr(l, "minutes", int(d.Round(time.Minute).Minutes()))
}
