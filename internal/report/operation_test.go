package report

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/chart"
)

// operationList is the capacity groups' side of the fixture: acme's group
// "web" in November 2026 (JST), priced at 100 JPY an instance-hour.
//
//   - Baseline 2 instances at 50% CPU.
//   - Weekly newsletter, 11/10 12:00–15:00, planned 3 from 11:30: the
//     step failed (ScalingActivityInProgress), the group stayed at 2 and
//     ran at 95% for the 3 hours: under-provisioned 3 h, CPU p95 95%.
//   - Black Friday sale, 11/27 10:00 – 11/29 22:00, planned 6 from 09:00:
//     reached at 09:12; CPU 25%: over-provisioned. Back to 2 planned at
//     22:00, applied only at 22:40 (the server was down) and reached at
//     22:45: a late step.
//   - Next month: the year-end sale, 12/20 10:00 – 12/25 22:00, 5.
type operationList map[string][]GroupOperation

func (l operationList) Operations(_ context.Context, tenant string, from, to, next time.Time) ([]GroupOperation, error) {
	return l[tenant], nil
}

func jstAt(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, jst) }
func ptr(t time.Time) *time.Time    { return &t }

var (
	letterStart, letterEnd = jstAt(10, 12, 0), jstAt(10, 15, 0)
	saleStart, saleEnd     = jstAt(27, 10, 0), jstAt(29, 22, 0)
)

func webOperation() GroupOperation {
	op := GroupOperation{
		Group: "web", Size: "m6i.xlarge", HourlyPrice: 100, Currency: "JPY",
		Events: []OperationEvent{
			{Name: "Weekly newsletter", Start: letterStart, End: letterEnd, Count: 3},
			{Name: "Black Friday sale", Start: saleStart, End: saleEnd, Count: 6},
		},
		Steps: []OperationStep{
			{Event: "Weekly newsletter", Planned: jstAt(10, 11, 30), Count: 3, Applied: ptr(jstAt(10, 11, 30)), ReachedCount: 2, Error: "aws: ScalingActivityInProgress"},
			{Event: "Weekly newsletter", Planned: letterEnd, Count: 2, Applied: ptr(letterEnd), Reached: ptr(letterEnd), ReachedCount: 2},
			{Event: "Black Friday sale", Planned: jstAt(27, 9, 0), Count: 6, Applied: ptr(jstAt(27, 9, 0)), Reached: ptr(jstAt(27, 9, 12)), ReachedCount: 6},
			{Event: "Black Friday sale", Planned: saleEnd, Count: 2, Applied: ptr(jstAt(29, 22, 40)), Reached: ptr(jstAt(29, 22, 45)), ReachedCount: 2},
		},
		Planned:  []CountPoint{{fromNov, 2}, {jstAt(10, 11, 30), 3}, {letterEnd, 2}, {jstAt(27, 9, 0), 6}, {saleEnd, 2}},
		Actual:   []CountPoint{{fromNov.Add(-time.Hour), 2}, {jstAt(27, 9, 12), 6}, {jstAt(29, 22, 45), 2}},
		Upcoming: []OperationEvent{{Name: "Year-end sale", Start: time.Date(2026, 12, 20, 10, 0, 0, 0, jst), End: time.Date(2026, 12, 25, 22, 0, 0, 0, jst), Count: 5}},
	}
	for t := fromNov; t.Before(toNov); t = t.Add(5 * time.Minute) {
		v := 50.0
		switch {
		case !t.Before(letterStart) && t.Before(letterEnd):
			v = 95
		case !t.Before(saleStart) && t.Before(saleEnd):
			v = 25
		}
		op.Load = append(op.Load, chart.Point{T: t, V: v})
	}
	return op
}

func generateWithOperations(t *testing.T, ops OperationSource) *Report {
	t.Helper()
	src := sharedFixture(t).src
	src.Operations = ops
	g := NewGenerator(src, nil)
	g.now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
	r, err := g.Generate(context.Background(), "acme", fromNov, toNov)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOperationFigures: plan against actual of the fixture's group.
func TestOperationFigures(t *testing.T) {
	r := generateWithOperations(t, operationList{"acme": {webOperation()}})
	if len(r.Operations) != 1 {
		t.Fatalf("operations %+v", r.Operations)
	}
	o := r.Operations[0]
	// Planned: 2 × 720 h, +1 for 3.5 h, +4 for 61 h. Actual: +4 for 61 h 33 min.
	if o.PlannedHours != 1687.5 || hours1(o.ActualHours) != "1686.2" || o.FixedHours != 6*720 {
		t.Errorf("instance-hours planned %v actual %v fixed %v, want 1687.5, 1686.2, 4320", o.PlannedHours, o.ActualHours, o.FixedHours)
	}
	if e := o.Events[0]; e.Verdict != "under" || e.CPUP95 != 95 || e.HoursOver != 3 {
		t.Errorf("newsletter %+v, want under, p95 95, 3 h", e)
	}
	if e := o.Events[1]; e.Verdict != "over" || e.CPUP95 != 25 {
		t.Errorf("sale %+v, want over, p95 25", e)
	}
	if o.Rest.Verdict != "" || o.Rest.CPUP95 != 50 {
		t.Errorf("rest %+v, want right at 50", o.Rest)
	}
	if len(o.Problems) != 2 || o.Problems[0].Error == "" || o.Problems[1].Planned != saleEnd {
		t.Errorf("problems %+v, want the failed newsletter step and the late return", o.Problems)
	}
}

// TestOperationSectionGolden: the section in Japanese and English, with
// exact figures; the rest of the report is the golden report's.
func TestOperationSectionGolden(t *testing.T) {
	r := generateWithOperations(t, operationList{"acme": {webOperation()}})
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"ja", []string{"3. 運行実績", "4. 発生アラート統計", "web (m6i.xlarge)", "Weekly newsletter期間中に3時間の能力不足(CPU 95%値 95.0%)",
			"Black Friday sale期間中は能力過剰(CPU 95%値 25.0%、30%未満)", "2件のステップが失敗または遅延しました", "aws: ScalingActivityInProgress", "適用が40分遅延",
			"<td>インスタンス時間</td><td>1687.5</td><td>1686.2</td><td>4320</td>", "<td>コスト</td><td>168750 JPY</td><td>168620 JPY</td><td>432000 JPY</td>",
			"Year-end sale", "12/20 10:00 – 12/25 22:00"}},
		{"en", []string{"3. Operation results", "Under-provisioned 3 h during Weekly newsletter, CPU p95 95.0%",
			"Over-provisioned during Black Friday sale: CPU p95 25.0%, below 30%", "2 steps failed or were late", "applied 40 min late",
			"<td>Instance-hours</td><td>1687.5</td><td>1686.2</td><td>4320</td>", "Next month&#39;s events"}},
	} {
		r.Language = c.lang
		out, err := HTML(r)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "acme-2026-11-operations-"+c.lang+".html", out)
		// The layout's own bullet and the capacity advice, written at
		// rendering, follow the reader's language. (This fixture's topics
		// were drafted for a Japanese tenant and are editable text, so they
		// stay as written.)
		if c.lang == "en" && (strings.Contains(string(out), "・") || strings.Contains(string(out), "リソースの増強") || !strings.Contains(string(out), "CPU p95 90.0%, memory p95 60.0%: add resources.")) {
			t.Errorf("English HTML holds Japanese: the bullet ・ or the capacity advice of the draft made in Japanese")
		}
		for _, s := range c.want {
			if !strings.Contains(string(out), s) {
				t.Errorf("%s HTML lacks %q", c.lang, s)
			}
		}
	}
}

// TestOperationSectionOmitted: a tenant without capacity groups, or a
// server without the capacity source, has no section 運行実績 and the
// sections keep their numbers.
func TestOperationSectionOmitted(t *testing.T) {
	for _, src := range []OperationSource{nil, operationList{"beta": {webOperation()}}} {
		r := generateWithOperations(t, src)
		out, err := HTML(r)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Operations) != 0 || strings.Contains(string(out), "運行実績") || !strings.Contains(string(out), "3. 発生アラート統計") {
			t.Errorf("source %v: section present or sections renumbered", src)
		}
	}
}

// TestOperationSectionPDF: the PDF carries the section and its findings.
func TestOperationSectionPDF(t *testing.T) {
	r := generateWithOperations(t, operationList{"acme": {webOperation()}})
	all := strings.Join(pdftotext(t, renderPDF(t, r)), "\n")
	for _, s := range []string{"3. 運行実績", "Weekly newsletter期間中に3時間の能力不足", "1687.5", "失敗・遅延したステップ"} {
		if !strings.Contains(all, s) {
			t.Errorf("PDF lacks %q", s)
		}
	}
}

// TestOperationOwnLoad: a group with its own load metric (requests per
// second, under-provisioned above 1,500 per instance, over below 300).
// During the Black Friday sale the CPU was low (25 %: over-provisioned by
// CPU) but the six instances served 1,840 req/s each: the event is
// under-provisioned, the table shows the requests' p95 and the overall
// verdict, the findings name both measures, and the chart's load line is
// the requests in instances' worth (1,840 × 6 / 2,000 = 5.52).
func TestOperationOwnLoad(t *testing.T) {
	op := webOperation()
	op.LoadUnit, op.LoadUnder, op.LoadOver, op.PerInstance = "req/s", 1500, 300, 2000
	for tt := fromNov; tt.Before(toNov); tt = tt.Add(5 * time.Minute) {
		v := 2 * 600.0 // two instances at 600 req/s
		switch {
		case !tt.Before(saleStart) && tt.Before(saleEnd):
			v = 6 * 1840
		case !tt.Before(letterStart) && tt.Before(letterEnd):
			v = 2 * 700
		}
		op.Query = append(op.Query, chart.Point{T: tt, V: v})
	}
	r := generateWithOperations(t, operationList{"acme": {op}})
	o := r.Operations[0]
	sale := o.Events[1]
	if sale.Verdict != "over" || sale.Load == nil || sale.Load.Verdict != "under" || sale.Load.P95 != 1840 {
		t.Fatalf("the sale: CPU %q, load %+v", sale.Verdict, sale.Load)
	}
	if v, _ := sale.Overall(); v != "under" {
		t.Errorf("the sale's overall verdict %q, want under", v)
	}
	if letter := o.Events[0]; letter.Load == nil || letter.Load.Verdict != "" || letter.Load.P95 != 700 {
		t.Errorf("the newsletter's load %+v, want 700 req/s, right", letter.Load)
	}
	peak := 0.0
	for _, p := range o.LoadLine {
		peak = max(peak, p.V)
	}
	if !o.LoadLineOwn || math.Abs(peak-5.52) > 1e-9 {
		t.Errorf("the load line: own %v, peak %v", o.LoadLineOwn, peak)
	}
	r.Language = "en"
	out, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"<th>req/s per instance p95</th>", "<td>1,840</td><td>under-provisioned</td>",
		"Under-provisioned 60 h during Black Friday sale, req/s per instance p95 1,840 (threshold 1,500)",
		"Over-provisioned during Black Friday sale: CPU p95 25.0%, below 30%", "Load, req/s (instances&#39; worth)"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("the section lacks %q", s)
		}
	}
}

// TestVerdicts: one measure against its marks, and several combined.
func TestVerdicts(t *testing.T) {
	f := func(p95, under, over float64, want string) {
		t.Helper()
		if got := Verdict(p95, under, over); got != want {
			t.Errorf("Verdict(%v, %v, %v) = %q, want %q", p95, under, over, got, want)
		}
	}
	f(90, 85, 30, "under")
	f(20, 85, 30, "over")
	f(50, 85, 30, "")
	f(2000, 0, 300, "")
	f(100, 1500, 0, "")
	c := func(want string, vs ...string) {
		t.Helper()
		if got := Combine(vs); got != want {
			t.Errorf("Combine(%q) = %q, want %q", vs, got, want)
		}
	}
	c("under", "over", "under")
	c("over", "over", "over")
	c("", "over", "")
	c("")
	for v, want := range map[float64]string{1840: "1,840", 1234567: "1,234,567", 12.34: "12.3", 0: "0", -2500: "-2,500", 99.96: "100"} {
		if got := Number(v); got != want {
			t.Errorf("Number(%v) = %q, want %q", v, got, want)
		}
	}
}
