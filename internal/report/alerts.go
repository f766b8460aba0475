package report

import (
	"context"
	"sort"
	"time"
)

// noisiest is how many of the most frequent alerts are listed.
const noisiest = 5

// alerts fills section 3 and the alert counts of the summary.
func (g *Generator) alerts(ctx context.Context, r *Report) {
	if g.src.Alerts == nil {
		g.note(r, "alerts", "no.alerts.source", nil)
		return
	}
	now, err := g.src.Alerts.Alerts(ctx, r.Tenant, r.From, r.To)
	if err != nil {
		g.note(r, "alerts", "no.alerts.source", err)
		return
	}
	prev, err := g.src.Alerts.Alerts(ctx, r.Tenant, r.PrevFrom, r.From)
	if err != nil {
		g.logger.Warn("report: previous period's alerts not read", "tenant", r.Tenant, "err", err)
	}
	r.Alerts = alertStats(now, len(prev), r.From, r.To, r.location())
	r.Summary.Alerts = r.Alerts.Total
	if len(now) == 0 {
		g.note(r, "alerts", "no.alerts", nil)
	}
}

func alertStats(as []AlertRecord, prev int, from, to time.Time, loc *time.Location) AlertStats {
	sev, item, host, pair := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	day := map[string]int{}
	titles := map[string]*Bilingual{} // by item, and by item @ host
	for _, a := range as {
		if a.Title != (Bilingual{}) {
			h := a.Host
			if h == "" {
				h = "-"
			}
			titles[a.Item] = &Bilingual{Ja: a.Title.Ja, En: a.Title.En}
			titles[a.Item+" @ "+h] = &Bilingual{Ja: a.Title.In("ja") + " @ " + h, En: a.Title.In("en") + " @ " + h}
		}
		sev[a.Severity]++
		item[a.Item]++
		h := a.Host
		if h == "" {
			h = "-"
		}
		host[h]++
		pair[a.Item+" @ "+h]++
		day[a.FiredAt.In(loc).Format("2006-01-02")]++
	}
	st := AlertStats{
		Total:      Count{len(as), prev},
		BySeverity: sorted(sev),
		ByItem:     titled(sorted(item), titles),
		ByHost:     sorted(host),
		Noisiest:   titled(sorted(pair), titles),
	}
	if len(st.Noisiest) > noisiest {
		st.Noisiest = st.Noisiest[:noisiest]
	}
	// Every day of the period, so quiet days show as zero in the chart.
	for d := from.In(loc); d.Before(to); d = d.AddDate(0, 0, 1) {
		k := d.Format("2006-01-02")
		st.ByDay = append(st.ByDay, KeyCount{Key: k, Count: day[k]})
	}
	return st
}

// titled gives each key its title, where it has one.
func titled(kcs []KeyCount, titles map[string]*Bilingual) []KeyCount {
	for i := range kcs {
		kcs[i].Title = titles[kcs[i].Key]
	}
	return kcs
}

// sorted lists m by count, highest first, then by key.
func sorted(m map[string]int) []KeyCount {
	out := make([]KeyCount, 0, len(m))
	for k, v := range m {
		out = append(out, KeyCount{Key: k, Count: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}
