package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/chart"
	"github.com/unyo-ops/unyo/internal/incident"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
)

// hostChart is one more chart of a host page, beyond CPU and memory: what
// an operator used to Zabbix's host graphs expects on the first screen.
type hostChart struct {
	id, key, unit string
	yMax          float64
	query         string
	// watches tells the monitoring items whose thresholds belong on it.
	watches *regexp.Regexp
}

// hostCharts are the filesystem, network and load charts of host, over the
// node_exporter names the agent sends (internal/agent/collect).
func hostCharts(host string, window time.Duration) []hostChart {
	h := "host=" + strconv.Quote(host)
	w := promDuration(max(window, 2*time.Minute))
	return []hostChart{
		{id: "filesystem", key: "ops.fs", unit: "%", yMax: 100,
			query:   `100 * (1 - max by (mountpoint) (node_filesystem_avail_bytes{` + h + `}) / max by (mountpoint) (node_filesystem_size_bytes{` + h + `}))`,
			watches: regexp.MustCompile(`node_filesystem`)},
		{id: "network", key: "ops.net", unit: " B/s",
			query: `label_replace(sum(rate(node_network_receive_bytes_total{device!="lo",` + h + `}[` + w + `])), "dir", "in", "", "") or ` +
				`label_replace(sum(rate(node_network_transmit_bytes_total{device!="lo",` + h + `}[` + w + `])), "dir", "out", "", "")`,
			watches: regexp.MustCompile(`node_network`)},
		{id: "load", key: "ops.load",
			query:   `label_replace(node_load1{` + h + `}, "avg", "1m", "", "") or label_replace(node_load5{` + h + `}, "avg", "5m", "", "") or label_replace(node_load15{` + h + `}, "avg", "15m", "", "")`,
			watches: regexp.MustCompile(`node_load`)},
	}
}

// watchesOf says which items' thresholds the CPU and memory charts carry.
var watchesOf = map[string]*regexp.Regexp{
	"cpu":    regexp.MustCompile(`node_cpu`),
	"memory": regexp.MustCompile(`node_memory`),
}

var oneLabelRE = regexp.MustCompile(`^\{[a-zA-Z_][a-zA-Z0-9_]*="(.*)"\}$`)

// shortNames names a line by its one label's value ("/var" rather than
// {mountpoint="/var"}), which is what a legend should say.
func shortNames(series []Series) {
	for i := range series {
		if m := oneLabelRE.FindStringSubmatch(series[i].Name); m != nil {
			series[i].Name = m[1]
		}
	}
}

// chartMarks are the warning and critical levels of the first enabled
// metric item of the host whose query reads what the chart shows.
func chartMarks(items []monitoring.ResolvedItem, watches *regexp.Regexp) []chart.Mark {
	if watches == nil {
		return nil
	}
	for _, it := range items {
		if it.Disabled || it.Threshold == nil || !watches.MatchString(it.Query) {
			continue
		}
		var out []chart.Mark
		if it.Threshold.Warning != nil {
			out = append(out, chart.Mark{V: *it.Threshold.Warning, Color: chart.Amber})
		}
		if it.Threshold.Critical != nil {
			out = append(out, chart.Mark{V: *it.Threshold.Critical, Color: chart.Red})
		}
		return out
	}
	return nil
}

// hostState is what happens on the host now: the alerts firing, its open
// incidents, and its recent events (alerts of the last 24 hours: log
// matches, restarts, checks).
type hostState struct {
	Firing    []*alert.Alert
	Recent    []*alert.Alert
	Incidents []*incident.Incident
}

// recentEvents bounds the host page's event list.
const recentEvents = 20

// hostNow fills the host's state from the alert and incident desks wired.
func (c *Console) hostNow(r *http.Request, t *model.Tenant, res *model.Resource) (*hostState, error) {
	hs := &hostState{}
	if c.opts.AlertDesk != nil {
		var err error
		if hs.Firing, err = c.opts.AlertDesk.List(r.Context(), t.ID, alert.Filter{ResourceID: res.ID, States: []alert.State{alert.StateFiring}}); err != nil {
			return nil, err
		}
		if hs.Recent, err = c.opts.AlertDesk.List(r.Context(), t.ID, alert.Filter{ResourceID: res.ID, From: c.now().Add(-24 * time.Hour), Limit: recentEvents}); err != nil {
			return nil, err
		}
	}
	if c.opts.IncidentDesk != nil {
		open, err := c.opts.IncidentDesk.Incidents(r.Context(), t.ID, incident.Filter{Open: true, Limit: incidentListLimit})
		if err != nil {
			return nil, err
		}
		for _, inc := range open {
			if containsID(inc.ResourceIDs, res.ID) || c.linksHost(inc, res.ID) {
				hs.Incidents = append(hs.Incidents, inc)
			}
		}
	}
	return hs, nil
}

// linksHost reports whether one of the incident's alerts is of the host;
// the list leaves Alerts empty, so only a resource on it counts there.
func (c *Console) linksHost(inc *incident.Incident, id int64) bool {
	for _, a := range inc.Alerts {
		if a.ResourceID == id {
			return true
		}
	}
	return false
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// maxZoom bounds a range chosen by dragging over a chart, as the picker's longest.
const maxZoom = 30 * 24 * time.Hour

// zoomRange reads ?from=&to= (unix milliseconds), the range an operator
// selected by dragging over a chart; ok is false when the URL has none.
func zoomRange(q url.Values, now time.Time) (timeRange, time.Time, bool, error) {
	if q.Get("from") == "" && q.Get("to") == "" {
		return timeRange{}, time.Time{}, false, nil
	}
	from, err1 := strconv.ParseInt(q.Get("from"), 10, 64)
	to, err2 := strconv.ParseInt(q.Get("to"), 10, 64)
	switch {
	case err1 != nil:
		return timeRange{}, time.Time{}, false, refusedField("from", "is not a time in unix milliseconds")
	case err2 != nil:
		return timeRange{}, time.Time{}, false, refusedField("to", "is not a time in unix milliseconds")
	case to-from < time.Minute.Milliseconds():
		return timeRange{}, time.Time{}, false, refusedField("to", "must be at least a minute after from")
	case time.Duration(to-from)*time.Millisecond > maxZoom:
		return timeRange{}, time.Time{}, false, refusedField("to", "must be at most 30 days after from")
	}
	end := time.UnixMilli(min(to, now.UnixMilli()))
	span := end.Sub(time.UnixMilli(from))
	if span < time.Minute {
		return timeRange{}, time.Time{}, false, refusedField("from", "is in the future")
	}
	return timeRange{Key: "custom", Span: span}, end, true, nil
}

// tipPoints bounds the points per line the page carries for the tooltip.
const tipPoints = 200

// Points is the chart's lines as JSON for the tooltip script:
// [{"n": name, "p": [[unix ms, value], ...]}, ...].
func (c chartData) Points() string {
	type line struct {
		N string       `json:"n"`
		P [][2]float64 `json:"p"`
	}
	out := make([]line, 0, len(c.Series))
	for _, s := range c.Series {
		pts := make([]chart.Point, len(s.Points))
		for i, p := range s.Points {
			pts[i] = chart.Point{T: p.T, V: p.V}
		}
		l := line{N: seriesName(c, s)}
		for _, p := range chart.Decimate(pts, tipPoints) {
			if p.V == p.V { // not NaN
				l.P = append(l.P, [2]float64{float64(p.T.UnixMilli()), p.V})
			}
		}
		out = append(out, l)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// Zone is the IANA name the tooltip writes times in: the user's.
func (c chartData) Zone() string {
	if c.Loc == nil {
		return "UTC"
	}
	return c.Loc.String()
}
