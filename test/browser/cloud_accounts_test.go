package browser

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
)

// TestCloudAccountConnection: the MSP admin opens a customer's cloud
// accounts from its page, adds an AWS account (endpoint: the STS contract
// fake, allowed by --outbound-allow), sees the secret masked, and tests
// the connection: the real binary signs with the sealed key, assumes the
// role with the external ID and names the identity it reached.
func TestCloudAccountConnection(t *testing.T) {
	const keyID, secretKey = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	const role = "arn:aws:iam::210987654321:role/unyo-msp"
	q := cloudtest.NewAWSQuery(keyID, secretKey)
	q.STS("123456789012", role, "msp-acme-7")
	sts := httptest.NewServer(q)
	t.Cleanup(sts.Close)
	s := startServer(t, freePort(t))
	s.api(201, "POST", "/api/v1/tenants", "", map[string]string{"id": "acme", "name": "株式会社アクメ", "language": "ja", "time_zone": "Asia/Tokyo"}, nil)

	ctx := chromium(t)
	if err := login(ctx, s.url, "admin", adminPassword); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/tenants/acme"),
		chromedp.Click(chromedp.CSS(`a[href="/tenants/acme/settings/cloud-accounts"]`)),
		chromedp.WaitVisible(chromedp.CSS("#account-form")),
		chromedp.SendKeys(chromedp.CSS("#acc-name"), "acme-aws"),
		chromedp.SetValue(chromedp.CSS("#acc-provider"), "aws"),
		chromedp.SendKeys(chromedp.CSS("#aws-key"), keyID),
		chromedp.SendKeys(chromedp.CSS("#aws-secret"), secretKey),
		chromedp.SendKeys(chromedp.CSS("#aws-role"), role),
		chromedp.SendKeys(chromedp.CSS("#aws-ext"), "msp-acme-7"),
		chromedp.SendKeys(chromedp.CSS("#aws-regions"), "ap-northeast-1"),
		chromedp.SendKeys(chromedp.CSS("#aws-endpoint"), sts.URL),
		chromedp.Click(chromedp.CSS("#account-create")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-account="acme-aws"]`)),
	)
	if err != nil {
		t.Fatalf("adding the account: %v\n%s", err, s.stderr)
	}
	row := text(ctx, `tr[data-account="acme-aws"]`)
	if !strings.Contains(row, "****EKEY") || strings.Contains(row, secretKey) || !strings.Contains(row, role) {
		t.Fatalf("the account's row = %q, want the secret masked", row)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`tr[data-account="acme-aws"] button.test`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if err != nil {
		t.Fatalf("testing the account: %v\n%s", err, s.stderr)
	}
	if dir := os.Getenv("UNYO_SCREENSHOTS"); dir != "" {
		save(t, ctx, filepath.Join(dir, "cloud-accounts-tested-ja.png"))
	}
	page := text(ctx, "main")
	if n := text(ctx, "p.notice"); !strings.Contains(n, "arn:aws:sts::210987654321:assumed-role/unyo-msp/unyo") || !strings.Contains(n, "接続できました") {
		t.Fatalf("notice = %q, want the assumed role reached", n)
	}
	if strings.Contains(page, secretKey) || strings.Contains(s.stderr.String(), secretKey) {
		t.Fatal("the secret key was shown or logged")
	}
	calls := q.Calls()
	if len(calls) != 2 || calls[0].Action != "AssumeRole" || calls[1].Action != "GetCallerIdentity" {
		t.Fatalf("calls to the fake: %+v", calls)
	}
}
