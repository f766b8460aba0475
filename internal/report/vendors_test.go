package report

import (
	"context"
	"strings"
	"testing"
	"time"
)

// vendorList is a VendorSource of fixed sums per tenant.
type vendorList map[string][]VendorRecord

func (l vendorList) VendorWaits(_ context.Context, tenant string, _, _ time.Time) ([]VendorRecord, error) {
	return l[tenant], nil
}

// TestVendorCasesInSectionFour: section 4 (対応状況) of the monthly report
// shows the vendor cases per vendor, count and time waiting, in the
// tenant's language only: the HTML and the PDF in Japanese show no English
// word of it, and in English no Japanese.
func TestVendorCasesInSectionFour(t *testing.T) {
	vendors := vendorList{"acme": {{Vendor: "Microsoft", Cases: 3, Waiting: 27*time.Hour + 30*time.Minute}, {Vendor: "AWS", Cases: 1, Waiting: 45 * time.Minute}}}
	gen := func(lang string) (*Report, string, string) {
		src := sharedFixture(t).src
		src.Tenants, src.Vendors = inLanguage{src.Tenants, lang}, vendors
		g := NewGenerator(src, nil)
		g.now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
		r, err := g.Generate(context.Background(), "acme", fromNov, toNov)
		if err != nil {
			t.Fatal(err)
		}
		html, err := HTML(r)
		if err != nil {
			t.Fatal(err)
		}
		return r, visible(string(html)), strings.Join(pdftotext(t, renderPDF(t, r)), "\n")
	}
	ja, jaHTML, jaPDF := gen("ja")
	if len(ja.Responses.Vendors) != 2 {
		t.Fatalf("responses carry %+v", ja.Responses.Vendors)
	}
	_, enHTML, enPDF := gen("en")
	for what, text := range map[string]string{"HTML": jaHTML, "PDF": jaPDF} {
		for _, want := range []string{"ベンダー問い合わせ", "ベンダー回答待ち時間", "27時間30分", "0時間45分"} {
			if !strings.Contains(text, want) {
				t.Errorf("Japanese %s lacks %q", what, want)
			}
		}
		for _, bad := range []string{"Vendor cases", "Time waiting on the vendor", "27h 30m"} {
			if strings.Contains(text, bad) {
				t.Errorf("Japanese %s shows the English %q", what, bad)
			}
		}
	}
	for what, text := range map[string]string{"HTML": enHTML, "PDF": enPDF} {
		for _, want := range []string{"Vendor cases", "Time waiting on the vendor", "27h 30m", "0h 45m"} {
			if !strings.Contains(text, want) {
				t.Errorf("English %s lacks %q", what, want)
			}
		}
		for _, name := range customerEntered {
			text = strings.ReplaceAll(text, name, "")
		}
		if found := japanese.FindAllString(text, -1); len(found) > 0 {
			t.Errorf("English %s has Japanese: %q", what, found)
		}
	}
}
