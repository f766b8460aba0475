package monitoring

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// TestItemValidate feeds items written as JSON, as a client sends them, and
// checks the field an error names.
func TestItemValidate(t *testing.T) {
	f := func(body, wantField string) {
		t.Helper()
		var it Item
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&it); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		it.Normalize()
		err := it.Validate()
		if wantField == "" {
			if err != nil {
				t.Fatalf("%s: unexpected error %v", body, err)
			}
			return
		}
		e, ok := invalid.As(err)
		if !ok {
			t.Fatalf("%s: err = %v, want an *invalid.Error on %q", body, err, wantField)
		}
		if e.Field != wantField {
			t.Fatalf("%s: field = %q (%v), want %q", body, e.Field, err, wantField)
		}
	}
	// metric
	f(`{"name":"cpu","kind":"metric","metric":{"query":"node_load5"},"threshold":{"op":">","warning":2}}`, "")
	f(`{"name":"cpu","kind":"metric","metric":{"series":"node_load5{cpu=\"0\"}"},"threshold":{"op":">","critical":2}}`, "")
	f(`{"name":"Cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">","warning":2}}`, "name")
	f(`{"name":"cpu","kind":"metric","threshold":{"op":">","warning":2}}`, "metric")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"rate(x"},"threshold":{"op":">","warning":2}}`, "metric.query")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x[5m]"},"threshold":{"op":">","warning":2}}`, "metric.query")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x{host=\"a\"}"},"threshold":{"op":">","warning":2}}`, "metric.query")
	f(`{"name":"cpu","kind":"metric","metric":{"series":"{job=\"a\"}"},"threshold":{"op":">","warning":2}}`, "metric.series")
	f(`{"name":"cpu","kind":"metric","metric":{"series":"x","query":"x"},"threshold":{"op":">","warning":2}}`, "metric.series")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"}}`, "threshold")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":"=","warning":2}}`, "threshold.op")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">"}}`, "threshold.critical")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">","warning":95,"critical":90}}`, "threshold.warning")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":"<","warning":10,"critical":20}}`, "threshold.warning")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">","warning":80,"recovery":85}}`, "threshold.recovery")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":"<","warning":30,"recovery":20}}`, "threshold.recovery")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">","warning":2},"severity":"critical"}`, "severity")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"log":{"glob":"/x","regex":"y"},"threshold":{"op":">","warning":2}}`, "log")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">","warning":2},"for":"-1m"}`, "for")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">","warning":2},"interval":"100ms"}`, "interval")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">","warning":2},"runbook_url":"ftp://x"}`, "runbook_url")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">","warning":2},"runbook_url":"https://wiki/x","runbook_id":3}`, "runbook_id")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">","warning":2},"incident_policy":"open"}`, "incident_policy")
	f(`{"name":"cpu","kind":"metric","metric":{"query":"x"},"threshold":{"op":">","warning":2},"notify":[""]}`, "notify")
	f(`{"name":"cpu","kind":"unknown"}`, "kind")
	// log
	f(`{"name":"app","kind":"log","log":{"glob":"/var/log/app/*.log","regex":"ERROR"},"severity":"warning"}`, "")
	f(`{"name":"app","kind":"log","log":{"glob":"/var/log/app/*.log","regex":"ERROR"}}`, "severity")
	f(`{"name":"app","kind":"log","log":{"glob":"/var/log/app/*.log","regex":"ERROR("},"severity":"warning"}`, "log.regex")
	f(`{"name":"app","kind":"log","log":{"glob":"","regex":"ERROR"},"severity":"warning"}`, "log.glob")
	f(`{"name":"app","kind":"log","log":{"glob":"/x","regex":"E","count":-1},"severity":"warning"}`, "log.count")
	f(`{"name":"app","kind":"log","log":{"glob":"/x","regex":"E"},"severity":"fatal"}`, "severity")
	f(`{"name":"app","kind":"log","log":{"glob":"/x","regex":"E"},"severity":"info","threshold":{"op":">","warning":1}}`, "threshold")
	// check
	f(`{"name":"site","kind":"check","check":{"type":"http","url":"https://${label.site}/","tls_days":30},"severity":"critical"}`, "")
	f(`{"name":"site","kind":"check","check":{"type":"http","url":"https://${site}/"},"severity":"critical"}`, "check.url")
	f(`{"name":"site","kind":"check","check":{"type":"http","url":"mailto:x"},"severity":"critical"}`, "check.url")
	f(`{"name":"site","kind":"check","check":{"type":"http","url":"http://x/","tls_days":30},"severity":"critical"}`, "check.tls_days")
	f(`{"name":"site","kind":"check","check":{"type":"http","url":"http://x/","method":"PUT"},"severity":"critical"}`, "check.method")
	f(`{"name":"db","kind":"check","check":{"type":"tcp","address":"db:5432","failures":3},"severity":"critical"}`, "")
	f(`{"name":"db","kind":"check","check":{"type":"tcp","address":"db"},"severity":"critical"}`, "check.address")
	f(`{"name":"db","kind":"check","check":{"type":"tcp","address":"db:1","url":"http://x/"},"severity":"critical"}`, "check.url")
	f(`{"name":"ns","kind":"check","check":{"type":"dns","query":"shop.example.com"},"severity":"warning"}`, "")
	f(`{"name":"db","kind":"check","check":{"type":"tcp","address":"db:1","timeout":"5s"},"severity":"critical"}`, "interval")
	f(`{"name":"db","kind":"check","check":{"type":"tcp","address":"db:1","timeout":"5s"},"interval":"2s","severity":"critical"}`, "interval")
	f(`{"name":"db","kind":"check","check":{"type":"tcp","address":"db:1","timeout":"5s"},"interval":"5s","severity":"critical"}`, "")
	f(`{"name":"ns","kind":"check","check":{"type":"icmp"},"severity":"warning"}`, "check.type")
	f(`{"name":"ns","kind":"check","check":{"type":"dns","query":"a b"},"severity":"warning"}`, "check.query")
	// nodata
	f(`{"name":"up","kind":"nodata","nodata":{"after":"5m"},"severity":"critical"}`, "")
	f(`{"name":"up","kind":"nodata","nodata":{"after":"5m","series":"node_load1"},"severity":"critical"}`, "")
	f(`{"name":"up","kind":"nodata","nodata":{"after":"5s"},"severity":"critical"}`, "nodata.after")
	f(`{"name":"up","kind":"nodata","nodata":{"after":"5m","series":"x{host=\"y\"}"},"severity":"critical"}`, "nodata.series")
	// agent-side collection
	f(`{"name":"os","kind":"os"}`, "")
	f(`{"name":"os","kind":"os","severity":"warning"}`, "severity")
	f(`{"name":"httpd","kind":"process","process":{"pattern":"^httpd$"}}`, "")
	f(`{"name":"httpd","kind":"process","process":{"pattern":"("},"severity":"critical"}`, "process.pattern")
	f(`{"name":"httpd","kind":"process","process":{"pattern":""},"severity":"critical"}`, "process.pattern")
	f(`{"name":"sshd","kind":"service","service":{"name":"-x"},"severity":"critical"}`, "service.name")
	f(`{"name":"jmx","kind":"exporter","exporter":{"url":"http://127.0.0.1:9404/metrics"}}`, "")
	f(`{"name":"jmx","kind":"exporter","exporter":{"url":"127.0.0.1:9404"}}`, "exporter.url")
}

func TestThresholdRecovery(t *testing.T) {
	f := func(th Threshold, wantLevel float64, wantOp string) {
		t.Helper()
		if err := th.Validate(); err != nil {
			t.Fatal(err)
		}
		if got := th.RecoveryLevel(); got != wantLevel {
			t.Errorf("%+v: recovery level = %v, want %v", th, got, wantLevel)
		}
		if got := th.RecoveryOp(); got != wantOp {
			t.Errorf("%+v: recovery op = %q, want %q", th, got, wantOp)
		}
	}
	f(Threshold{Op: OpGT, Warning: ptr(80.0), Critical: ptr(90.0)}, 80, OpLE)
	f(Threshold{Op: OpGT, Critical: ptr(90.0), Recovery: ptr(70.0)}, 70, OpLE)
	f(Threshold{Op: OpGE, Warning: ptr(80.0), Recovery: ptr(80.0)}, 80, OpLT)
	f(Threshold{Op: OpLT, Warning: ptr(30.0), Critical: ptr(7.0)}, 30, OpGE)
	f(Threshold{Op: OpLE, Critical: ptr(1.0), Recovery: ptr(5.0)}, 5, OpGT)
}
