package alert

import (
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// fuzzDecoder checks that a decoder refuses with an error naming a field or
// gives signals the pipeline can take (a severity, or a sender's name for
// one that the tenant's map resolves), and never panics.
func fuzzDecoder(f *testing.F, decode func([]byte) ([]Signal, error), seeds ...string) {
	for _, s := range seeds {
		f.Add(fixture(f, s))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		signals, err := decode(body)
		if err != nil {
			if e, ok := invalid.As(err); !ok || e.Field == "" {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		if len(signals) == 0 {
			t.Fatal("no error and no signals")
		}
		for _, s := range signals {
			if s.Fingerprint == "" || (s.Status != StateFiring && s.Status != StateResolved) || (s.Severity.rank() == 0 && s.RawSeverity == "") {
				t.Fatalf("signal the pipeline cannot take: %+v", s)
			}
		}
	})
}

func FuzzDecodeAlertmanager(f *testing.F) {
	fuzzDecoder(f, DecodeAlertmanager, "alertmanager_firing.json", "alertmanager_resolved.json")
}

func FuzzDecodeAzureMonitor(f *testing.F) {
	fuzzDecoder(f, DecodeAzureMonitor, "azure_fired.json", "azure_resolved.json")
}

func FuzzDecodeEvents(f *testing.F) {
	fuzzDecoder(f, DecodeEvents, "event_firing.json")
}

func FuzzDecodeZabbix(f *testing.F) {
	fuzzDecoder(f, DecodeZabbix, "zabbix_problem.json", "zabbix_resolved.json")
}
