package scrape

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/agent/sample"
)

const exposition = `# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{code="200",item="mine"} 1027
http_requests_total{code="500",host="app-1"} 3 1700000000000
# TYPE temperature gauge
temperature 21.5
# TYPE rpc_seconds summary
rpc_seconds{quantile="0.5"} 0.05
rpc_seconds_sum 17
rpc_seconds_count 340
# TYPE size_bytes histogram
size_bytes_bucket{le="1"} 2
size_bytes_bucket{le="100"} 5
size_bytes_bucket{le="+Inf"} 6
size_bytes_sum 311
size_bytes_count 6
untyped_thing 7
`

// series renders samples as sorted "name{a=b,...} value" lines.
func series(ss []sample.Sample) []string {
	var out []string
	for _, s := range ss {
		var ls []string
		for _, l := range s.Labels {
			ls = append(ls, l.Name+"="+l.Value)
		}
		slices.Sort(ls)
		out = append(out, s.Name+"{"+strings.Join(ls, ",")+"} "+strconv.FormatFloat(s.Value, 'g', -1, 64))
	}
	slices.Sort(out)
	return out
}

func TestScrape(t *testing.T) {
	var accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		accept = r.Header.Get("Accept")
		w.Write([]byte(exposition))
	}))
	defer srv.Close()
	s := New("tomcat", srv.URL)
	now := time.UnixMilli(1800000000000)
	ss, err := s.Collect(context.Background(), now)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if !strings.HasPrefix(accept, "text/plain") {
		t.Errorf("Accept = %q", accept)
	}
	got := series(ss[:len(ss)-3])
	want := []string{
		"http_requests_total{code=200,exported_item=mine,item=tomcat} 1027",
		"http_requests_total{code=500,exported_host=app-1,item=tomcat} 3",
		"rpc_seconds_count{item=tomcat} 340",
		"rpc_seconds_sum{item=tomcat} 17",
		"rpc_seconds{item=tomcat,quantile=0.5} 0.05",
		"size_bytes_bucket{item=tomcat,le=+Inf} 6",
		"size_bytes_bucket{item=tomcat,le=1.0} 2",
		"size_bytes_bucket{item=tomcat,le=100.0} 5",
		"size_bytes_count{item=tomcat} 6",
		"size_bytes_sum{item=tomcat} 311",
		"temperature{item=tomcat} 21.5",
		"untyped_thing{item=tomcat} 7",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, x := range ss {
		wantT := now.UnixMilli()
		if x.Name == "http_requests_total" && x.Value == 3 {
			wantT = 1700000000000 // the exporter's own timestamp is kept
		}
		if x.TimeMs != wantT {
			t.Errorf("%s at %d, want %d", x.Name, x.TimeMs, wantT)
		}
	}
	tail := series(ss[len(ss)-3:])
	if tail[1] != "unyo_scrape_samples{item=tomcat} 12" || tail[2] != "unyo_scrape_up{item=tomcat} 1" {
		t.Fatalf("scrape metrics = %v", tail)
	}
}

func TestScrapeDown(t *testing.T) {
	f := func(name string, h http.HandlerFunc, wantErr string) {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			url := srv.URL
			if h == nil {
				srv.Close()
			} else {
				defer srv.Close()
			}
			ss, err := New("x", url).Collect(context.Background(), time.Now())
			if err == nil || !strings.Contains(err.Error(), wantErr) {
				t.Fatalf("err = %v, want %q", err, wantErr)
			}
			if len(ss) != 3 || ss[0].Name != "unyo_scrape_up" || ss[0].Value != 0 {
				t.Fatalf("samples = %+v, want only the scrape metrics with up 0", ss)
			}
		})
	}
	f("closed", nil, "connect")
	f("error status", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, "500")
	f("garbage", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("this is {not metrics\n")) }, "bad exposition")
}
