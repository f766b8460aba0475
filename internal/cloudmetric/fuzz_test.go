package cloudmetric

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzAzureAnswer: an Azure Monitor answer, however malformed, is decoded
// without panic, and every point taken is one of the queries'.
func FuzzAzureAnswer(f *testing.F) {
	f.Add([]byte(`{"values":[{"resourceid":"/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/loadBalancers/lb","value":[{"name":{"value":"VipAvailability"},"timeseries":[{"metadatavalues":[{"name":{"value":"ConnectionName"},"value":"t1"}],"data":[{"timeStamp":"2026-12-07T01:00:00Z","average":99.5},{"timeStamp":"2026-12-07T01:01:00Z"}]}]}]}]}`))
	f.Add([]byte(`{"values":[{"resourceid":null,"value":[{"name":{},"timeseries":[{"data":[{"timeStamp":"x"}]}]}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var answer struct {
			Values []struct {
				ResourceID string        `json:"resourceid"`
				Value      []azureMetric `json:"value"`
			} `json:"values"`
		}
		if json.Unmarshal(body, &answer) != nil {
			return
		}
		g := &azureGroup{aggregation: "Average", index: map[[2]string]int{
			{"/subscriptions/s/resourcegroups/r/providers/microsoft.network/loadbalancers/lb", "vipavailability"}: 0}, grain: time.Minute}
		into := map[int][]Point{}
		for _, v := range answer.Values {
			g.take(v.ResourceID, v.Value, into)
		}
		for q, ps := range into {
			if q != 0 {
				t.Fatalf("points for query %d", q)
			}
			_ = ps
		}
	})
}

// FuzzRetryAfter: a Retry-After header never yields a negative pause.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "-5", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		if d := retryAfter(s, now); d < 0 {
			t.Fatalf("retryAfter(%q) = %s", s, d)
		}
	})
}

// FuzzAVDSessionHosts: a sessionHosts page, however malformed, is counted
// without panic, and the counts stay consistent: accepting hosts are
// available ones, available and update-failed hosts are hosts, and
// sessions never go negative.
func FuzzAVDSessionHosts(f *testing.F) {
	f.Add([]byte(`{"value":[{"properties":{"status":"Available","sessions":3,"allowNewSession":true,"updateState":"Succeeded"}},{"properties":{"status":"Unavailable","sessions":0,"updateState":"Failed"}}],"nextLink":"https://management.azure.com/x?$skipToken=2"}`))
	f.Add([]byte(`{"value":[{"properties":{"status":null,"sessions":-4,"allowNewSession":false}},{}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var page avdPage
		if json.Unmarshal(body, &page) != nil {
			return
		}
		var h avdHostPool
		h.add(&page)
		h.add(&page)
		if h.accepting > h.available || h.available > h.total || h.failed > h.total || h.sessions < 0 || h.total != float64(2*len(page.Value)) {
			t.Fatalf("inconsistent counts %+v from %s", h, body)
		}
	})
}
