package cloudmetric_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/cloudmetric"
)

// TestAzureMonitorFakeContract: the fake refuses what Azure refuses — a
// token for Resource Manager on the batch API, another api-version, 51
// resources, 21 metric names, resources of two regions — with ARM's error
// shape, so a source that broke a limit would fail its tests.
func TestAzureMonitorFakeContract(t *testing.T) {
	e := newEnv(t, false)
	var ids []string
	for i := range 51 {
		ids = append(ids, e.azureResourceOnly(fmt.Sprintf("lb-%02d", i), "japaneast"))
	}
	other := e.azureResourceOnly("lb-west", "japanwest")
	az, err := connect.ForAzure(&cloudaccount.Azure{TenantID: dirID, ClientID: clientID, ClientSecret: azureSecret, SubscriptionID: subID,
		ResourceManager: e.srv.URL, Login: e.srv.URL}, e.client)
	if err != nil {
		t.Fatal(err)
	}
	token := func(scope string) string {
		tok, err := az.Credential.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{scope}})
		if err != nil {
			t.Fatal(err)
		}
		return tok.Token
	}
	batchTok, armTok := token(batchScope), token(e.srv.URL+"/.default")
	now := e.clock.Now().Truncate(time.Minute)
	call := func(tok, version string, names []string, resources []string) (int, string) {
		q := url.Values{"api-version": {version}, "metricnamespace": {"Microsoft.Network/loadBalancers"}, "metricnames": {strings.Join(names, ",")},
			"interval": {"PT1M"}, "aggregation": {"Average"}, "starttime": {now.Add(-5 * time.Minute).Format(time.RFC3339)}, "endtime": {now.Format(time.RFC3339)}}
		body, _ := json.Marshal(map[string][]string{"resourceids": resources})
		req, _ := http.NewRequest("POST", e.srv.URL+"/regions/japaneast/subscriptions/"+subID+"/metrics:getBatch?"+q.Encode(), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var answer struct {
			Error struct{ Code, Message string }
		}
		json.NewDecoder(resp.Body).Decode(&answer)
		return resp.StatusCode, answer.Error.Code + ": " + answer.Error.Message
	}
	one := []string{"VipAvailability"}
	many := strings.Split(strings.Repeat("VipAvailability,", 21), ",")[:21]
	for _, tc := range []struct {
		name      string
		tok, ver  string
		names     []string
		resources []string
		status    int
	}{
		{"50 resources", batchTok, cloudmetric.AzureAPIVersion, one, ids[:50], 200},
		{"a Resource Manager token", armTok, cloudmetric.AzureAPIVersion, one, ids[:1], 401},
		{"another api-version", batchTok, "2021-05-01", one, ids[:1], 400},
		{"51 resources", batchTok, cloudmetric.AzureAPIVersion, one, ids, 400},
		{"21 metric names", batchTok, cloudmetric.AzureAPIVersion, many, ids[:1], 400},
		{"two regions", batchTok, cloudmetric.AzureAPIVersion, one, []string{ids[0], other}, 400},
	} {
		if status, msg := call(tc.tok, tc.ver, tc.names, tc.resources); status != tc.status || (status != 200 && msg == ": ") {
			t.Errorf("%s: %d %s, want %d with an ARM error", tc.name, status, msg, tc.status)
		}
	}
}

// TestCloudWatchFakeContract: the fake refuses 501 queries and a request
// signed with another secret as CloudWatch does, in error codes the SDK
// reads (InvalidParameterValue, SignatureDoesNotMatch), and answers
// Throttling so the SDK sees it.
func TestCloudWatchFakeContract(t *testing.T) {
	e := newEnv(t, false)
	client := func(secret string) *cloudwatch.Client {
		cfg, err := connect.ForAWS(&cloudaccount.AWS{AccessKeyID: accessKeyID, SecretAccessKey: secret, Regions: []string{"ap-northeast-1"}, Endpoint: e.srv.URL}, "", e.client)
		if err != nil {
			t.Fatal(err)
		}
		return cloudwatch.NewFromConfig(cfg)
	}
	in := func(n int) *cloudwatch.GetMetricDataInput {
		now := e.clock.Now().Truncate(time.Minute)
		in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-5 * time.Minute)), EndTime: aws.Time(now)}
		for i := range n {
			in.MetricDataQueries = append(in.MetricDataQueries, cwtypes.MetricDataQuery{Id: aws.String(fmt.Sprintf("q%d", i)),
				MetricStat: &cwtypes.MetricStat{Period: aws.Int32(60), Stat: aws.String("Sum"), Metric: &cwtypes.Metric{
					Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("HTTPCode_ELB_5XX_Count"),
					Dimensions: []cwtypes.Dimension{{Name: aws.String("LoadBalancer"), Value: aws.String(fmt.Sprintf("app/lb-%d/1", i))}}}}})
		}
		return in
	}
	code := func(err error) string {
		var ae smithy.APIError
		if errors.As(err, &ae) {
			return ae.ErrorCode()
		}
		return fmt.Sprint(err)
	}
	ctx := context.Background()
	out, err := client(awsSecret).GetMetricData(ctx, in(500))
	if err != nil || len(out.MetricDataResults) != 500 || len(out.MetricDataResults[0].Values) != 5 {
		t.Fatalf("500 queries: %v", err)
	}
	if _, err := client(awsSecret).GetMetricData(ctx, in(501)); code(err) != "InvalidParameterValue" {
		t.Errorf("501 queries: %v, want InvalidParameterValue", err)
	}
	if _, err := client("another-secret-of-forty-characters-00000").GetMetricData(ctx, in(1)); code(err) != "SignatureDoesNotMatch" {
		t.Errorf("another secret: %v, want SignatureDoesNotMatch", err)
	}
	e.cw.Throttle(1)
	if _, err := client(awsSecret).GetMetricData(ctx, in(1)); code(err) != "Throttling" {
		t.Errorf("throttled: %v, want Throttling", err)
	}
}
