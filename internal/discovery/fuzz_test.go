package discovery

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/model"
)

// FuzzAWSFound: any ARN the Tagging API could return is either refused or
// becomes a resource whose name and labels the store accepts.
func FuzzAWSFound(f *testing.F) {
	for _, s := range []string{
		"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/web-alb/50dc6c495c0c9188",
		"arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app",
		"arn:aws:rds:ap-northeast-1:123456789012:db:shop", "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc", "arn::::::", "",
	} {
		f.Add(s, "Name", "web")
	}
	f.Fuzz(func(t *testing.T, arn, key, value string) {
		found, ok := awsFound(arn, map[string]string{key: value})
		if !ok {
			return
		}
		r := &model.Resource{TenantID: "acme", Name: found.Name, Kind: found.Type.Kind, Labels: found.Labels(1)}
		if r.Name == "" {
			r.Name = Suffixed(found.Name, found.CloudID)
		}
		if err := r.Validate(); err != nil && !strings.Contains(err.Error(), "1024") && !strings.Contains(err.Error(), "200 bytes") {
			t.Fatalf("%q: %v", arn, err)
		}
	})
}

// FuzzGraphRow: any row Resource Graph answers (decoded from JSON) is
// refused or yields labels the store accepts; tag keys of any shape
// become valid label names.
func FuzzGraphRow(f *testing.F) {
	f.Add(`{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/lb","type":"microsoft.network/loadbalancers","tags":{"Cost Center":"1","__x":"y","日本":"z"}}`)
	f.Add(`{"id":"/providers/","type":"Microsoft.Sql/servers/databases"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var row GraphRow
		if json.Unmarshal([]byte(body), &row) != nil {
			return
		}
		found, ok := azureFound(row)
		if !ok {
			return
		}
		labels := found.Labels(7)
		r := &model.Resource{TenantID: "acme", Name: "x", Kind: found.Type.Kind, Labels: labels}
		if err := r.Validate(); err != nil && !strings.Contains(err.Error(), "1024") {
			t.Fatalf("%s: %v (%v)", body, err, labels)
		}
	})
}

// FuzzRules: decoded rules either validate, and then survive a round
// trip, or are refused with a field named.
func FuzzRules(f *testing.F) {
	f.Add(`{"types":["lb"],"tags":{"env":"*"},"resource_groups":["rg"],"regions":["japaneast"]}`)
	f.Add(`{"types":["nope"]}`)
	f.Fuzz(func(t *testing.T, body string) {
		var r Rules
		if json.Unmarshal([]byte(body), &r) != nil {
			return
		}
		v, err := r.Validate()
		if err != nil {
			return
		}
		b, _ := json.Marshal(v)
		var back Rules
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if _, err := back.Validate(); err != nil {
			t.Fatalf("valid rules refused after a round trip: %v", err)
		}
	})
}
