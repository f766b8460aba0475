package console

import (
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// FuzzAdminForms: whatever a browser posts as a service's hours, holidays
// and durations or a resource's labels, the form parsers give either a
// refusal naming a field or a model that passes its own validation.
func FuzzAdminForms(f *testing.F) {
	f.Add("mon 09:00-18:00\ntue 09:00-18:00", "2027-01-01", "30m", "os=linux\nrole=web")
	f.Add("sun 24:00-25:00", "2027/2/30", "4 hours", "tenant=x")
	f.Fuzz(func(t *testing.T, hours, holiday, dur, labels string) {
		tn := &model.Tenant{ID: "acme", TimeZone: "Asia/Tokyo"}
		sf := serviceFormOf(tn, nil)
		sf.Name, sf.Hours, sf.Holidays, sf.Clocks["resolve_target"] = "svc", hours, []string{holiday}, dur
		if s, err := sf.service(); err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("service form refusal %v is not an *invalid.Error", err)
			}
		} else if err := s.Validate(); err != nil {
			t.Fatalf("service form gave an invalid service: %v", err)
		}
		rf := &resourceForm{Tenant: tn, Name: "web-01", Kind: "host", Labels: labels}
		if res, err := rf.resource(); err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("resource form refusal %v is not an *invalid.Error", err)
			}
		} else if err := res.Validate(); err != nil {
			t.Fatalf("resource form gave an invalid resource: %v", err)
		}
	})
}
