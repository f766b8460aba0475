package discoverytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/unyo-ops/unyo/internal/cloudaccount/cloudtest"
)

// Tagged is one resource the Tagging API lists: its ARN and tags.
type Tagged struct {
	ARN  string
	Tags map[string]string
}

// HealthEvent is one AWS Health event with the entities it affects.
type HealthEvent struct {
	Arn, Service, TypeCode, Category, Region, Status string // Status: open, closed, upcoming
	Entities                                         []string
}

// AWS is one endpoint serving the Resource Groups Tagging API
// (GetResources) and AWS Health (DescribeEvents, DescribeAffectedEntities)
// in the awsJson1_1 protocol: a POST to / with X-Amz-Target, SigV4 by the
// key it knows, the region of the signature choosing the resources.
type AWS struct {
	KeyID, Secret string

	mu        sync.Mutex
	resources []Tagged
	events    []HealthEvent
	throttle  int
	calls     []string
	tokens    map[string]int
}

// Set replaces the account's resources (in every region: an ARN names
// its region).
func (a *AWS) Set(list ...Tagged) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.resources = append([]Tagged(nil), list...)
}

// Remove deletes the resource arn.
func (a *AWS) Remove(arn string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.resources = slices.DeleteFunc(a.resources, func(t Tagged) bool { return t.ARN == arn })
}

// Health sets AWS Health's events.
func (a *AWS) Health(events ...HealthEvent) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.events = events
}

// Throttle makes the next n calls answer ThrottlingException.
func (a *AWS) Throttle(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.throttle = n
}

// Calls lists the calls served, as "region Action" or "throttled Action".
func (a *AWS) Calls() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.calls...)
}

// jsonError writes an awsJson1_1 error answer.
func jsonError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "Message": msg})
}

var services = map[string]string{"ResourceGroupsTaggingAPI_20170126": "tagging", "AWSHealth_20160804": "health"}

var scope = regexp.MustCompile(`Credential=[A-Z0-9]+/[0-9]{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request`)

func (a *AWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/" {
		jsonError(w, 404, "UnknownOperationException", "no such path "+r.URL.Path)
		return
	}
	if r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		jsonError(w, 400, "SerializationException", "Content-Type must be application/x-amz-json-1.1")
		return
	}
	prefix, action, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	service, ok := services[prefix]
	if !ok {
		jsonError(w, 400, "UnknownOperationException", "unknown target "+r.Header.Get("X-Amz-Target"))
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	signed, err := cloudtest.CheckSigV4(r, body, service, map[string]string{a.KeyID: a.Secret})
	if err != nil {
		code := "InvalidSignatureException"
		if strings.Contains(err.Error(), "unknown access key") {
			code = "UnrecognizedClientException"
		}
		jsonError(w, 403, code, err.Error())
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.throttle > 0 {
		a.throttle--
		a.calls = append(a.calls, "throttled "+action)
		jsonError(w, 400, "ThrottlingException", "Rate exceeded")
		return
	}
	a.calls = append(a.calls, signed.Region+" "+action)
	switch service + "." + action {
	case "tagging.GetResources":
		a.getResources(w, body, signed.Region)
	case "health.DescribeEvents", "health.DescribeAffectedEntities":
		if signed.Region != "us-east-1" {
			jsonError(w, 400, "InvalidParameterValue", "AWS Health is served from us-east-1")
			return
		}
		if action == "DescribeEvents" {
			a.describeEvents(w, body)
		} else {
			a.describeEntities(w, body)
		}
	default:
		jsonError(w, 400, "UnknownOperationException", "unknown operation "+action)
	}
}

// page returns the slice of n items a token starts, and the next token.
func (a *AWS) page(token string, per, n int) (int, int, string, bool) {
	start := 0
	if token != "" {
		off, ok := a.tokens[token]
		if !ok {
			return 0, 0, "", false
		}
		start = off
	}
	end := min(start+per, n)
	next := ""
	if end < n {
		if a.tokens == nil {
			a.tokens = map[string]int{}
		}
		next = "tok-" + strconv.Itoa(len(a.tokens)+1)
		a.tokens[next] = end
	}
	return start, end, next, true
}

func (a *AWS) getResources(w http.ResponseWriter, body []byte, region string) {
	var in struct {
		PaginationToken     string
		ResourceTypeFilters []string
		ResourcesPerPage    *int
	}
	if err := json.Unmarshal(body, &in); err != nil {
		jsonError(w, 400, "InvalidParameterException", err.Error())
		return
	}
	per := 50
	if in.ResourcesPerPage != nil {
		if *in.ResourcesPerPage < 1 || *in.ResourcesPerPage > 100 {
			jsonError(w, 400, "InvalidParameterException", "ResourcesPerPage must be between 1 and 100")
			return
		}
		per = 1 // one a page, whatever the client asks: paging is exercised
	}
	if len(in.ResourceTypeFilters) > 100 {
		jsonError(w, 400, "InvalidParameterException", "at most 100 ResourceTypeFilters")
		return
	}
	var match []Tagged
	for _, t := range a.resources {
		p := strings.SplitN(t.ARN, ":", 6)
		if len(p) < 6 || p[3] != region {
			continue
		}
		ok := len(in.ResourceTypeFilters) == 0
		for _, f := range in.ResourceTypeFilters {
			svc, typ, _ := strings.Cut(f, ":")
			ok = ok || svc == p[2] && (typ == "" || strings.HasPrefix(p[5], typ+"/") || strings.HasPrefix(p[5], typ+":"))
		}
		if ok {
			match = append(match, t)
		}
	}
	start, end, next, ok := a.page(in.PaginationToken, per, len(match))
	if !ok {
		jsonError(w, 400, "PaginationTokenExpiredException", "The pagination token is not valid")
		return
	}
	list := []any{}
	for _, t := range match[start:end] {
		tags := []any{}
		for k, v := range t.Tags {
			tags = append(tags, map[string]string{"Key": k, "Value": v})
		}
		list = append(list, map[string]any{"ResourceARN": t.ARN, "Tags": tags})
	}
	writeAWSJSON(w, map[string]any{"PaginationToken": next, "ResourceTagMappingList": list})
}

func (a *AWS) describeEvents(w http.ResponseWriter, body []byte) {
	var in struct {
		Filter struct {
			EventStatusCodes []string `json:"eventStatusCodes"`
		} `json:"filter"`
		NextToken  string `json:"nextToken"`
		MaxResults int    `json:"maxResults"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.MaxResults != 0 && (in.MaxResults < 10 || in.MaxResults > 100) {
		jsonError(w, 400, "InvalidParameterValue", fmt.Sprintf("bad DescribeEvents input: %v", err))
		return
	}
	var match []HealthEvent
	for _, e := range a.events {
		if len(in.Filter.EventStatusCodes) == 0 || slices.Contains(in.Filter.EventStatusCodes, e.Status) {
			match = append(match, e)
		}
	}
	start, end, next, ok := a.page(in.NextToken, 1, len(match))
	if !ok {
		jsonError(w, 400, "InvalidPaginationToken", "The pagination token is not valid")
		return
	}
	list := []any{}
	for _, e := range match[start:end] {
		list = append(list, map[string]any{"arn": e.Arn, "service": e.Service, "eventTypeCode": e.TypeCode, "eventTypeCategory": e.Category,
			"region": e.Region, "statusCode": e.Status, "startTime": 1.7653e9, "eventScopeCode": "ACCOUNT_SPECIFIC"})
	}
	out := map[string]any{"events": list}
	if next != "" {
		out["nextToken"] = next
	}
	writeAWSJSON(w, out)
}

func (a *AWS) describeEntities(w http.ResponseWriter, body []byte) {
	var in struct {
		Filter struct {
			EventArns []string `json:"eventArns"`
		} `json:"filter"`
	}
	if err := json.Unmarshal(body, &in); err != nil || len(in.Filter.EventArns) < 1 || len(in.Filter.EventArns) > 10 {
		jsonError(w, 400, "InvalidParameterValue", "filter.eventArns takes 1 to 10 ARNs")
		return
	}
	list := []any{}
	for _, e := range a.events {
		if !slices.Contains(in.Filter.EventArns, e.Arn) {
			continue
		}
		for _, v := range e.Entities {
			list = append(list, map[string]any{"eventArn": e.Arn, "entityValue": v, "statusCode": "IMPAIRED"})
		}
	}
	writeAWSJSON(w, map[string]any{"entities": list})
}

func writeAWSJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v)
}
