// Package awstest is a contract fake of the AWS calls the backup poller
// makes: AWS Backup's ListBackupJobs (GET /backup-jobs with its query,
// NextToken paging, JSON with epoch-second times, ThrottlingException as
// 429 with X-Amzn-ErrorType) and STS AssumeRole (the query protocol's form
// POST, an external ID the role's trust policy requires, XML). Every
// request must carry a SigV4 Authorization header of the right shape for
// the expected key, service and region.
package awstest

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Job is a backup job the fake holds.
type Job struct {
	ID, Vault, ResourceARN, ResourceName string
	State                                string // COMPLETED, FAILED, RUNNING...
	Created, Completed                   time.Time
	Size                                 int64
	Message                              string
}

// Fake is the fake AWS; create it with New, stop it with Close.
type Fake struct {
	*httptest.Server
	AccessKey, SecretKey, Region string
	// RoleARN and ExternalID, when set, are the role the key may assume
	// and the external ID its trust policy requires; Backup calls must
	// then come signed by the role's session key.
	RoleARN, ExternalID string
	PageSize            int // jobs per page; 2

	mu      sync.Mutex
	jobs    []Job
	session string // the assumed role's access key, once issued
	// sessions are every session key issued, with its expiry: as in AWS, a
	// new AssumeRole (another consumer of the same account: discovery, the
	// metric poller) does not invalidate the sessions issued before it.
	sessions map[string]time.Time
	throttle int
	calls    map[string]int
	problems []string
}

// New starts a fake with one access key in region.
func New(region string) *Fake {
	f := &Fake{AccessKey: "AKIAUNYOTEST00000001", SecretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Region: region,
		PageSize: 2, calls: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// AddJob adds a job.
func (f *Fake) AddJob(j Job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.jobs = append(f.jobs, j)
}

// SetJob changes the state and completion of job id.
func (f *Fake) SetJob(id, state string, completed time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.jobs {
		if f.jobs[i].ID == id {
			f.jobs[i].State, f.jobs[i].Completed = state, completed
		}
	}
}

// Throttle makes the next n Backup calls answer ThrottlingException.
func (f *Fake) Throttle(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle = n
}

// Calls returns how many requests of kind (list, assume, throttled) were served.
func (f *Fake) Calls(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[kind]
}

// Problems lists the contract breaches the fake saw.
func (f *Fake) Problems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.problems)
}

// sigV4 is the shape of a SigV4 Authorization header.
var sigV4 = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=[0-9a-f]{64}$`)

// signed checks the request's signature header; it answers and returns
// false when it is not acceptable.
func (f *Fake) signed(w http.ResponseWriter, r *http.Request, service, key string) bool {
	m := sigV4.FindStringSubmatch(r.Header.Get("Authorization"))
	date, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	switch {
	case m == nil:
		f.fail(w, http.StatusForbidden, "IncompleteSignatureException", "Authorization header is not SigV4: "+r.Header.Get("Authorization"))
	case err != nil || m[2] != date.Format("20060102") || time.Since(date).Abs() > 15*time.Minute:
		f.fail(w, http.StatusForbidden, "InvalidSignatureException", "X-Amz-Date missing, stale, or not the credential's date")
	case m[1] != key:
		f.fail(w, http.StatusForbidden, "UnrecognizedClientException", "The security token included in the request is invalid: key "+m[1])
	case m[3] != f.Region || m[4] != service:
		f.fail(w, http.StatusForbidden, "InvalidSignatureException", fmt.Sprintf("credential scope %s/%s, want %s/%s", m[3], m[4], f.Region, service))
	case !slices.Contains(strings.Split(m[5], ";"), "host") || !slices.Contains(strings.Split(m[5], ";"), "x-amz-date"):
		f.fail(w, http.StatusForbidden, "InvalidSignatureException", "host and x-amz-date must be signed: "+m[5])
	case f.sessions[key] != (time.Time{}) && r.Header.Get("X-Amz-Security-Token") == "":
		f.fail(w, http.StatusForbidden, "UnrecognizedClientException", "a session key needs its X-Amz-Security-Token")
	default:
		return true
	}
	return false
}

// fail answers an AWS JSON error and records it as a breach.
func (f *Fake) fail(w http.ResponseWriter, status int, code, msg string) {
	f.problems = append(f.problems, code+": "+msg)
	jsonError(w, status, code, msg)
}

func jsonError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code+":http://internal.amazon.com/coral/com.amazonaws.backup/")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/":
		f.assumeRole(w, r)
	case r.Method == http.MethodGet && (r.URL.Path == "/backup-jobs/" || r.URL.Path == "/backup-jobs"): // the API reference writes the slash, the SDK drops it
		f.list(w, r)
	default:
		f.fail(w, http.StatusNotFound, "UnknownOperationException", r.Method+" "+r.URL.Path)
	}
}

func (f *Fake) list(w http.ResponseWriter, r *http.Request) {
	key := f.AccessKey
	if f.RoleARN != "" {
		key = f.session
		if m := sigV4.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
			if exp, ok := f.sessions[m[1]]; ok && time.Now().Before(exp) {
				key = m[1]
			}
		}
	}
	if !f.signed(w, r, "backup", key) {
		return
	}
	if f.throttle > 0 {
		f.throttle--
		f.calls["throttled"]++
		jsonError(w, http.StatusTooManyRequests, "ThrottlingException", "Rate exceeded")
		return
	}
	q := r.URL.Query()
	for k := range q {
		if !slices.Contains([]string{"createdAfter", "backupVaultName", "resourceArn", "nextToken", "maxResults"}, k) {
			f.fail(w, http.StatusBadRequest, "InvalidParameterValueException", "unexpected query parameter "+k)
			return
		}
	}
	after, err := time.Parse(time.RFC3339, q.Get("createdAfter"))
	if err != nil {
		f.fail(w, http.StatusBadRequest, "InvalidParameterValueException", "createdAfter must be an ISO 8601 time: "+q.Get("createdAfter"))
		return
	}
	limit := 1000
	if s := q.Get("maxResults"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 1000 {
			f.fail(w, http.StatusBadRequest, "InvalidParameterValueException", "maxResults "+s)
			return
		}
	}
	f.calls["list"]++
	var match []Job
	for _, j := range f.jobs {
		if j.Created.Before(after) || (q.Has("backupVaultName") && j.Vault != q.Get("backupVaultName")) ||
			(q.Has("resourceArn") && j.ResourceARN != q.Get("resourceArn")) {
			continue
		}
		match = append(match, j)
	}
	skip := 0
	if tok := q.Get("nextToken"); tok != "" {
		if _, err := fmt.Sscanf(tok, "page-%d", &skip); err != nil || skip > len(match) {
			f.fail(w, http.StatusBadRequest, "InvalidParameterValueException", "bad nextToken "+tok)
			return
		}
	}
	end := min(skip+min(f.PageSize, limit), len(match))
	out := []map[string]any{}
	for _, j := range match[skip:end] {
		b := map[string]any{"BackupJobId": j.ID, "AccountId": "123456789012", "BackupVaultName": j.Vault,
			"BackupVaultArn": "arn:aws:backup:" + f.Region + ":123456789012:backup-vault:" + j.Vault,
			"ResourceArn":    j.ResourceARN, "ResourceName": j.ResourceName, "ResourceType": "EC2", "State": j.State,
			"CreationDate": float64(j.Created.UnixMilli()) / 1000, "BackupSizeInBytes": j.Size, "IamRoleArn": "arn:aws:iam::123456789012:role/backup"}
		if !j.Completed.IsZero() {
			b["CompletionDate"] = float64(j.Completed.UnixMilli()) / 1000
		}
		if j.Message != "" {
			b["StatusMessage"] = j.Message
		}
		out = append(out, b)
	}
	body := map[string]any{"BackupJobs": out}
	if end < len(match) {
		body["NextToken"] = fmt.Sprintf("page-%d", end)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

func (f *Fake) assumeRole(w http.ResponseWriter, r *http.Request) {
	if !f.signed(w, r, "sts", f.AccessKey) {
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("Action") != "AssumeRole" || r.PostForm.Get("Version") != "2011-06-15" {
		f.fail(w, http.StatusBadRequest, "InvalidAction", "want Action=AssumeRole&Version=2011-06-15")
		return
	}
	fv := r.PostForm
	if f.RoleARN == "" || fv.Get("RoleArn") != f.RoleARN || fv.Get("ExternalId") != f.ExternalID || fv.Get("RoleSessionName") == "" {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>`+
			`<Message>User is not authorized to perform: sts:AssumeRole on resource: %s</Message></Error><RequestId>r-1</RequestId></ErrorResponse>`,
			xmlText(fv.Get("RoleArn")))
		return
	}
	f.calls["assume"]++
	f.session = fmt.Sprintf("ASIAUNYOSESSION%05d", f.calls["assume"])
	if f.sessions == nil {
		f.sessions = map[string]time.Time{}
	}
	f.sessions[f.session] = time.Now().Add(time.Hour)
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>`+
		`<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>sessionsecret</SecretAccessKey><SessionToken>sessiontoken</SessionToken>`+
		`<Expiration>%s</Expiration></Credentials><AssumedRoleUser><Arn>%s/unyo</Arn><AssumedRoleId>AROA:unyo</AssumedRoleId></AssumedRoleUser>`+
		`</AssumeRoleResult><ResponseMetadata><RequestId>r-2</RequestId></ResponseMetadata></AssumeRoleResponse>`,
		f.session, time.Now().Add(time.Hour).UTC().Format(time.RFC3339), xmlText(f.RoleARN))
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
