package discovery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	"github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi/schemas"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"

	"github.com/unyo-ops/unyo/internal/cloudaccount"
	"github.com/unyo-ops/unyo/internal/cloudaccount/connect"
	"github.com/unyo-ops/unyo/internal/cloudtype"
)

// AWS lists an AWS account's resources through the Resource Groups
// Tagging API (GetResources, per region, PaginationToken paging), and its
// health events through AWS Health.
type AWS struct {
	client *http.Client
	// Tries and Backoff rule a throttled call (ThrottlingException): it is
	// tried again after Backoff, doubled each time, Tries times in all.
	Tries   int
	Backoff time.Duration
}

// NewAWS returns the AWS lister; its calls go through client (the
// outbound policy's).
func NewAWS(client *http.Client) *AWS {
	return &AWS{client: client, Tries: 4, Backoff: time.Second}
}

// List returns the resources of acct's regions of the given types.
func (a *AWS) List(ctx context.Context, acct *cloudaccount.Account, types []cloudtype.Type) ([]Found, error) {
	if acct.Provider != cloudaccount.ProviderAWS || acct.AWS == nil {
		return nil, fmt.Errorf("aws discovery: account %d is not an AWS account", acct.ID)
	}
	if len(types) == 0 {
		return nil, nil
	}
	filters := make([]string, len(types))
	for i, t := range types {
		filters[i] = t.Name
	}
	var found []Found
	for _, region := range acct.AWS.Regions {
		cfg, err := connect.ForAWS(acct.AWS, region, a.client)
		if err != nil {
			return nil, err
		}
		// AWS JSON 1.1, the protocol the Tagging API is documented in;
		// the SDK would otherwise prefer the newer RPC v2 CBOR.
		client := resourcegroupstaggingapi.NewFromConfig(cfg, func(o *resourcegroupstaggingapi.Options) {
			o.Protocol = awsjson.New11(schemas.ResourceGroupsTaggingAPI_20170126)
		})
		in := &resourcegroupstaggingapi.GetResourcesInput{ResourceTypeFilters: filters, ResourcesPerPage: aws.Int32(100)}
		for page := 0; ; page++ {
			if page == maxPages {
				return nil, fmt.Errorf("aws discovery: %s: more than %d pages", region, maxPages)
			}
			var out *resourcegroupstaggingapi.GetResourcesOutput
			err := a.retry(ctx, func() (err error) {
				out, err = client.GetResources(ctx, in)
				return err
			})
			if err != nil {
				return nil, fmt.Errorf("aws discovery: %s: GetResources: %w", region, err)
			}
			for _, m := range out.ResourceTagMappingList {
				tags := map[string]string{}
				for _, t := range m.Tags {
					tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
				}
				if f, ok := awsFound(aws.ToString(m.ResourceARN), tags); ok {
					found = append(found, f)
				}
			}
			if aws.ToString(out.PaginationToken) == "" {
				break
			}
			in.PaginationToken = out.PaginationToken
		}
	}
	return found, nil
}

// awsFound is the resource arn names, if its type is catalogued: the
// type is the ARN's service and the resource part's leading type
// (elasticloadbalancing:loadbalancer/app), its name the segment after it
// (arn:…:loadbalancer/app/web-alb/50dc6c495c0c9188 is web-alb).
func awsFound(arn string, tags map[string]string) (Found, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return Found{}, false
	}
	service, region, account, res := parts[2], parts[3], parts[4], parts[5]
	var best cloudtype.Type
	var rest string
	bestLen := -1
	for _, t := range cloudtype.Types {
		svc, typ, ok := strings.Cut(t.Name, ":")
		if t.Provider != cloudtype.AWS || !ok || svc != service || len(typ) <= bestLen {
			continue
		}
		if r, ok := strings.CutPrefix(res, typ); ok && (r == "" || r[0] == '/' || r[0] == ':') {
			best, rest, bestLen = t, r, len(typ)
		}
	}
	if bestLen < 0 {
		return Found{}, false
	}
	rest = strings.TrimLeft(rest, "/:")
	name, _, _ := strings.Cut(rest, "/")
	if name == "" {
		name = res
	}
	f := Found{CloudID: arn, Name: name, Type: best, Region: region, AWSAccount: account, Tags: tags}
	if service == "ec2" && strings.HasPrefix(res, "instance/") {
		f.InstanceID = name
	}
	return f, true
}

// throttleCodes are the error codes AWS services throttle with.
var throttleCodes = map[string]bool{"ThrottlingException": true, "Throttling": true, "TooManyRequestsException": true, "RequestLimitExceeded": true}

// retry runs f, again after a growing wait while AWS throttles it; a
// throttling that outlives the tries is a Throttled.
func (a *AWS) retry(ctx context.Context, f func() error) error {
	wait := a.Backoff
	for i := 0; ; i++ {
		err := f()
		var api smithy.APIError
		if err == nil || !errors.As(err, &api) || !throttleCodes[api.ErrorCode()] {
			return err
		}
		if i+1 >= a.Tries {
			return &Throttled{After: wait, Err: err}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
}
