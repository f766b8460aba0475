package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
)

// maxMessage bounds the cloud's message kept in a result.
const maxMessage = 400

func clip(s string) string {
	if len(s) > maxMessage {
		return s[:maxMessage] + "…"
	}
	return s
}

// fail is a failed result at stage, from err as the SDK or the cloud
// told it.
func fail(stage string, status int, code, msg string) cloudaccount.TestResult {
	return cloudaccount.TestResult{Stage: stage, Status: status, Code: code, Message: clip(msg)}
}

var aadCode = regexp.MustCompile(`AADSTS[0-9]+`)

// testAzure gets a token for Resource Manager and reads the subscription,
// which needs at least the Reader role on it.
func testAzure(ctx context.Context, a *cloudaccount.Azure, hc *http.Client) cloudaccount.TestResult {
	az, err := ForAzure(a, hc)
	if err != nil {
		return fail("token", 0, "", err.Error())
	}
	tok, err := az.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{az.Scope}})
	if err != nil {
		var af *azidentity.AuthenticationFailedError
		if errors.As(err, &af) && af.RawResponse != nil {
			var body struct {
				Error       string `json:"error"`
				Description string `json:"error_description"`
			}
			json.NewDecoder(io.LimitReader(af.RawResponse.Body, 1<<16)).Decode(&body)
			msg := body.Description
			if msg == "" {
				msg = body.Error
			}
			return fail("token", af.RawResponse.StatusCode, aadCode.FindString(msg), msg)
		}
		return fail("token", 0, "", err.Error())
	}
	u := az.Endpoint + "/subscriptions/" + url.PathEscape(a.SubscriptionID) + "?api-version=2022-12-01"
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return fail("subscription", 0, "", err.Error())
	}
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	resp, err := hc.Do(req)
	if err != nil {
		return fail("subscription", 0, "", err.Error())
	}
	defer resp.Body.Close()
	var body struct {
		ID          string `json:"subscriptionId"`
		DisplayName string `json:"displayName"`
		State       string `json:"state"`
		Error       struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&body)
	if resp.StatusCode != http.StatusOK {
		msg := body.Error.Message
		if msg == "" {
			msg = resp.Status
		}
		return fail("subscription", resp.StatusCode, body.Error.Code, msg)
	}
	return cloudaccount.TestResult{OK: true, Identity: body.DisplayName,
		Message: fmt.Sprintf("subscription %s (%s) is %s", body.DisplayName, body.ID, body.State)}
}

// testAWS assumes the role when there is one, then asks STS who the
// caller is.
func testAWS(ctx context.Context, a *cloudaccount.AWS, hc *http.Client) cloudaccount.TestResult {
	cfg, err := ForAWS(a, "", hc)
	if err != nil {
		return fail("caller_identity", 0, "", err.Error())
	}
	if a.RoleARN != "" {
		if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			return awsFail("assume_role", err)
		}
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return awsFail("caller_identity", err)
	}
	return cloudaccount.TestResult{OK: true, Identity: aws.ToString(out.Arn),
		Message: fmt.Sprintf("signed in as %s in account %s", aws.ToString(out.Arn), aws.ToString(out.Account))}
}

// awsFail reads the service's error code and status out of err.
func awsFail(stage string, err error) cloudaccount.TestResult {
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return fail(stage, status, api.ErrorCode(), api.ErrorMessage())
	}
	return fail(stage, status, "", err.Error())
}
