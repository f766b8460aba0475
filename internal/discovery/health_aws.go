package discovery

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"

	"github.com/unyo-ops/unyo/internal/alert"
	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
)

// AWS Health is one global endpoint in us-east-1, signed for "health",
// speaking the awsJson1_1 protocol. Its SDK module is not in our build's
// module proxy; two calls do not need it.
const (
	healthEndpoint = "https://health.us-east-1.amazonaws.com"
	healthRegion   = "us-east-1"
	healthTarget   = "AWSHealth_20160804."
)

// HealthEvent is one event of DescribeEvents.
type HealthEvent struct {
	Arn               string  `json:"arn"`
	Service           string  `json:"service"`
	EventTypeCode     string  `json:"eventTypeCode"`
	EventTypeCategory string  `json:"eventTypeCategory"` // issue, scheduledChange, accountNotification
	Region            string  `json:"region"`
	StartTime         float64 `json:"startTime"`  // epoch seconds
	StatusCode        string  `json:"statusCode"` // open, closed, upcoming
}

// AffectedEntity is one entity of DescribeAffectedEntities.
type AffectedEntity struct {
	EventArn    string `json:"eventArn"`
	EntityValue string `json:"entityValue"` // an instance ID, an ARN...
	EntityArn   string `json:"entityArn"`
	StatusCode  string `json:"statusCode"` // IMPAIRED, UNIMPAIRED, UNKNOWN
}

// ErrHealthUnavailable is AWS Health refused for the account's support
// plan (SubscriptionRequiredException): the account has no health events
// to read, which is no failure of discovery.
var ErrHealthUnavailable = errors.New("aws health: the account's support plan does not include the AWS Health API")

// Health reads acct's open health events and the entities they affect.
func (a *AWS) Health(ctx context.Context, acct *cloudaccount.Account) ([]Event, error) {
	cfg, err := connect.ForAWS(acct.AWS, healthRegion, a.client)
	if err != nil {
		return nil, err
	}
	endpoint := healthEndpoint
	if cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	call := func(action string, in, out any) error {
		return a.retry(ctx, func() error { return a.healthCall(ctx, cfg.Credentials, endpoint, action, in, out) })
	}
	var events []HealthEvent
	token := ""
	for page := 0; page < maxPages; page++ {
		in := map[string]any{"filter": map[string]any{"eventStatusCodes": []string{"open", "upcoming"}}, "maxResults": 100}
		if token != "" {
			in["nextToken"] = token
		}
		var out struct {
			Events    []HealthEvent `json:"events"`
			NextToken string        `json:"nextToken"`
		}
		if err := call("DescribeEvents", in, &out); err != nil {
			return nil, err
		}
		events = append(events, out.Events...)
		if token = out.NextToken; token == "" {
			break
		}
	}
	byArn := map[string]HealthEvent{}
	var arns []string
	for _, e := range events {
		if _, dup := byArn[e.Arn]; !dup {
			arns = append(arns, e.Arn)
		}
		byArn[e.Arn] = e
	}
	affected := map[string][]AffectedEntity{}
	for i := 0; i < len(arns); i += 10 { // the API takes 10 event ARNs a call
		batch := arns[i:min(i+10, len(arns))]
		token := ""
		for page := 0; page < maxPages; page++ {
			in := map[string]any{"filter": map[string]any{"eventArns": batch}, "maxResults": 100}
			if token != "" {
				in["nextToken"] = token
			}
			var out struct {
				Entities  []AffectedEntity `json:"entities"`
				NextToken string           `json:"nextToken"`
			}
			if err := call("DescribeAffectedEntities", in, &out); err != nil {
				return nil, err
			}
			for _, en := range out.Entities {
				affected[en.EventArn] = append(affected[en.EventArn], en)
			}
			if token = out.NextToken; token == "" {
				break
			}
		}
	}
	var out []Event
	for _, arn := range arns {
		e := byArn[arn]
		base := Event{
			Active: e.StatusCode == "open", Severity: awsSeverity(e), Kind: "aws_health", Service: e.Service, Region: e.Region,
			Title: "AWS Health: " + e.Service + " " + e.EventTypeCode, Summaries: awsSummary(e),
			StartsAt: time.Unix(0, int64(e.StartTime*float64(time.Second))).UTC(),
		}
		if math.IsNaN(e.StartTime) || e.StartTime <= 0 {
			base.StartsAt = time.Time{}
		}
		ents := affected[arn]
		if len(ents) == 0 {
			base.Key = "aws:health:" + arn
			out = append(out, base)
			continue
		}
		for _, en := range ents {
			ev := base
			ev.Key = "aws:health:" + arn + ":" + en.EntityValue
			ev.CloudID = en.EntityValue
			ev.Active = base.Active && en.StatusCode != "UNIMPAIRED"
			out = append(out, ev)
		}
	}
	return out, nil
}

// awsSeverity: an open issue is critical, a scheduled change a warning,
// a notification information.
func awsSeverity(e HealthEvent) alert.Severity {
	switch e.EventTypeCategory {
	case "issue":
		return alert.SeverityCritical
	case "scheduledChange":
		return alert.SeverityWarning
	}
	return alert.SeverityInfo
}

// healthCall makes one awsJson1_1 call to AWS Health, signed with SigV4;
// an error answer is a smithy.GenericAPIError with the service's code.
func (a *AWS) healthCall(ctx context.Context, creds aws.CredentialsProvider, endpoint, action string, in, out any) error {
	body, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("aws health: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", healthTarget+action)
	c, err := creds.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("aws health: credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, c, req, hex.EncodeToString(sum[:]), "health", healthRegion, time.Now()); err != nil {
		return fmt.Errorf("aws health: sign: %w", err)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("aws health: %s: %w", action, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("aws health: %s: %w", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type     string `json:"__type"`
			Message  string `json:"message"`
			Message2 string `json:"Message"`
		}
		json.Unmarshal(raw, &e)
		code := e.Type[strings.LastIndex(e.Type, "#")+1:]
		if code == "SubscriptionRequiredException" {
			return ErrHealthUnavailable
		}
		return fmt.Errorf("aws health: %s: %d: %w", action, resp.StatusCode, &smithy.GenericAPIError{Code: code, Message: e.Message + e.Message2})
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("aws health: %s answer: %w", action, err)
	}
	return nil
}

// awsCodesJa name AWS Health's event categories and status codes in
// Japanese; a code not here shows as AWS writes it.
var awsCodesJa = map[string]string{"issue": "障害", "scheduledChange": "予定された変更", "accountNotification": "アカウントへの通知",
	"investigation": "調査", "open": "発生中", "closed": "終了", "upcoming": "予定"}

// awsSummary says what kind of event e is and where it stands, in each
// language: "issue open", "障害 発生中".
func awsSummary(e HealthEvent) alert.Text {
	ja := func(code string) string { return cmp.Or(awsCodesJa[code], code) }
	return alert.Text{Ja: ja(e.EventTypeCategory) + " " + ja(e.StatusCode), En: e.EventTypeCategory + " " + e.StatusCode}
}
