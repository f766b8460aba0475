package incident

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// FuzzCheckValues feeds a request's values, as a caller sends them, to the
// check against a catalog item: it never panics, and what it accepts has
// every required field and no unknown one.
func FuzzCheckValues(f *testing.F) {
	item := &CatalogItem{Name: "account", Fields: []FieldSpec{
		{Name: "user_name", Type: FieldString, Required: true},
		{Name: "start_date", Type: FieldDate},
		{Name: "vpn", Type: FieldBoolean},
		{Name: "plan", Type: FieldChoice, Choices: []string{"basic", "pro"}},
		{Name: "seats", Type: FieldNumber},
		{Name: "notes", Type: FieldText},
	}}
	for _, s := range []string{`{"user_name":"山田"}`, `{"user_name":"x","start_date":"2026-02-29"}`, `{"user_name":"x","seats":1e309}`,
		`{"user_name":null}`, `{"user_name":"a","plan":"gold","vpn":1}`, `{"x":1}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var values map[string]any
		if json.Unmarshal([]byte(body), &values) != nil {
			return
		}
		if err := item.CheckValues(values); err != nil {
			return
		}
		if s, ok := values["user_name"].(string); !ok || s == "" {
			t.Fatalf("accepted %s without user_name", body)
		}
		for k := range values {
			known := false
			for _, f := range item.Fields {
				known = known || f.Name == k
			}
			if !known {
				t.Fatalf("accepted unknown field %q", k)
			}
		}
	})
}

// FuzzStateChange decodes a state change as the API does and checks it
// from every state: a refusal names a field, an acceptance is a move the
// lifecycle allows with what it requires.
func FuzzStateChange(f *testing.F) {
	for _, s := range []string{`{"state":"resolved","close_code":"a","close_notes":"b"}`, `{"state":"on_hold","hold_reason":"awaiting_vendor"}`,
		`{"state":"closed"}`, `{"state":"in_progress","hold_reason":"awaiting_caller"}`, `{"state":""}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var sc StateChange
		if json.Unmarshal([]byte(body), &sc) != nil {
			return
		}
		for _, from := range []State{StateNew, StateInProgress, StateOnHold, StateResolved, StateClosed, StateCanceled} {
			err := sc.check(from)
			if err != nil {
				if e, ok := invalid.As(err); !ok || e.Field == "" {
					t.Fatalf("a refusal that names no field: %v", err)
				}
				continue
			}
			if !canMove(from, sc.State) || (sc.State == StateResolved && (sc.CloseCode == "" || sc.CloseNotes == "")) ||
				(sc.State == StateOnHold && !sc.HoldReason.valid()) {
				t.Fatalf("accepted %+v from %s", sc, from)
			}
		}
	})
}

// FuzzVendorCaseInput feeds a vendor case's body, as a caller sends it, to
// its validation: it never panics, and what it accepts names a known
// vendor (with a name exactly for other), a case number and a status.
func FuzzVendorCaseInput(f *testing.F) {
	for _, s := range []string{`{"vendor":"microsoft","case_number":"2612070040000123","severity":"B"}`,
		`{"vendor":"other","vendor_name":"Cisco TAC","case_number":"1","status":"open"}`, `{"vendor":"other","case_number":"1"}`,
		`{"vendor":"aws","case_number":" ","status":"waiting_on_vendor"}`, `{"vendor":"AWS","case_number":"\xff"}`, `{"opened_at":"2026-13-01T00:00:00Z"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in CaseInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		c := &VendorCase{Vendor: in.Vendor, VendorName: in.VendorName, CaseNumber: in.CaseNumber, Severity: in.Severity,
			SupportPlan: in.SupportPlan, Status: in.Status, Notes: in.Notes}
		if c.Status == "" {
			c.Status = CaseWaitingVendor
		}
		err := c.validate()
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("%s: %v is not an input error", body, err)
			}
			return
		}
		badName := c.Vendor == VendorOther && strings.TrimSpace(c.VendorName) == "" || c.Vendor != VendorOther && c.VendorName != ""
		if !c.Vendor.valid() || !c.Status.valid() || strings.TrimSpace(c.CaseNumber) == "" || badName {
			t.Fatalf("accepted %s: %+v", body, c)
		}
	})
}
