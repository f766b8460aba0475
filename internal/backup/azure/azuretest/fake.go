// Package azuretest is a contract fake of the parts of Azure that the
// backup poller calls: Microsoft Entra's token endpoint for a service
// principal's client secret, and Azure Resource Manager's Recovery Services
// vaults, backupJobs, backupProtectedItems and recoveryPoints lists. It enforces what the real services do: the
// tenant's discovery document and token endpoint, the client secret, a
// Bearer token on every ARM call, the api-version, the paths, nextLink
// paging, 429 with Retry-After, and the error shape {"error":{"code","message"}}.
package azuretest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Job is a backup job the fake holds in a vault.
type Job struct {
	Name       string // the job's GUID
	Entity     string // entityFriendlyName: the protected item
	Operation  string // Backup, Restore...
	Status     string // Completed, Failed, InProgress...
	Start, End time.Time
	Error      string // errorDetails[0].errorString of a failed job
}

// Fake is the fake Azure; create it with New, stop it with Close.
type Fake struct {
	*httptest.Server
	Tenant, ClientID, ClientSecret, Subscription string
	VaultsAPIVersion, JobsAPIVersion             string
	PageSize                                     int // jobs and vaults per page; 2

	mu         sync.Mutex
	vaults     map[string][]Job                  // "rg/vault" → jobs
	items      map[string]map[string][]time.Time // "rg/vault" → protected VM → its recovery points
	tokens     map[string]bool
	throttle   int            // the next this many ARM calls are answered 429
	throttleOf map[string]int // kind (items, points) → the next this many of its calls answered 429
	calls      map[string]int
	problems   []string
}

// New starts a TLS fake (Entra requires https) with one service principal
// in one subscription; vaults and jobs are added with AddJob.
func New(vaultsAPI, jobsAPI string) *Fake {
	f := &Fake{Tenant: "72f988bf-86f1-41af-91ab-2d7cd011db47", ClientID: "0f6c9d2e-app", ClientSecret: "s3cret~value",
		Subscription: "11111111-2222-3333-4444-555555555555", VaultsAPIVersion: vaultsAPI, JobsAPIVersion: jobsAPI, PageSize: 2,
		vaults: map[string][]Job{}, items: map[string]map[string][]time.Time{}, throttleOf: map[string]int{}, tokens: map[string]bool{}, calls: map[string]int{}}
	f.Server = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	return f
}

// AddJob puts a job into the vault "rg/vault", creating it.
func (f *Fake) AddJob(vault string, j Job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.vaults[vault] = append(f.vaults[vault], j)
}

// AddItem protects the VM called item in the vault "rg/vault" (creating
// both), with recovery points at the times given (none: protected, no
// point yet).
func (f *Fake) AddItem(vault, item string, points ...time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.vaults[vault]; !ok {
		f.vaults[vault] = nil
	}
	if f.items[vault] == nil {
		f.items[vault] = map[string][]time.Time{}
	}
	f.items[vault][item] = append(f.items[vault][item], points...)
}

// ExpirePoints deletes the recovery points older than before of every
// item, as a vault's retention does.
func (f *Fake) ExpirePoints(before time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, items := range f.items {
		for name, pts := range items {
			items[name] = slices.DeleteFunc(pts, func(t time.Time) bool { return t.Before(before) })
		}
	}
}

// ItemID is the ARM ID of the protected VM item of vault "rg/vault".
func (f *Fake) ItemID(vault, item string) string {
	rg, v, _ := strings.Cut(vault, "/")
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s/backupFabrics/Azure/protectionContainers/%s/protectedItems/%s",
		f.Subscription, rg, v, container(rg, item), "VM;"+container(rg, item))
}

// container is the protection container of an Azure VM, as the service names it.
func container(rg, vm string) string { return "iaasvmcontainerv2;" + rg + ";" + vm }

// SetJob changes the status and end of the job called name.
func (f *Fake) SetJob(name, status string, end time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, jobs := range f.vaults {
		for i := range jobs {
			if jobs[i].Name == name {
				jobs[i].Status, jobs[i].End = status, end
			}
		}
	}
}

// Throttle makes the next n ARM calls answer 429 with Retry-After: 1.
func (f *Fake) Throttle(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle = n
}

// ThrottleKind makes the next n calls of one kind (items, points) answer
// 429 with Retry-After: 1, the other calls going through.
func (f *Fake) ThrottleKind(kind string, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttleOf[kind] = n
}

// throttled answers a call of kind 429 while ThrottleKind asks so.
func (f *Fake) throttled(w http.ResponseWriter, kind string) bool {
	if f.throttleOf[kind] <= 0 {
		return false
	}
	f.throttleOf[kind]--
	f.calls["throttled"]++
	w.Header().Set("Retry-After", "1")
	armError(w, http.StatusTooManyRequests, "TooManyRequests", "The request is being throttled.")
	return true
}

// Calls returns how many requests of kind (token, vaults, jobs, items,
// points, throttled) were served.
func (f *Fake) Calls(kind string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[kind]
}

// Problems lists the contract breaches the fake saw (wrong api-version,
// a missing token...): a test fails on any.
func (f *Fake) Problems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.problems)
}

// JobID is the ARM ID of a job of vault "rg/vault".
func (f *Fake) JobID(vault, name string) string {
	rg, v, _ := strings.Cut(vault, "/")
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s/backupJobs/%s",
		f.Subscription, rg, v, name)
}

func armError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-ms-error-code", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func (f *Fake) problem(w http.ResponseWriter, status int, code, msg string) {
	f.problems = append(f.problems, code+": "+msg)
	armError(w, status, code, msg)
}

var (
	vaultsPath = regexp.MustCompile(`^/subscriptions/([^/]+)/providers/Microsoft\.RecoveryServices/vaults$`)
	jobsPath   = regexp.MustCompile(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.RecoveryServices/vaults/([^/]+)/backupJobs$`)
	itemsPath  = regexp.MustCompile(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.RecoveryServices/vaults/([^/]+)/backupProtectedItems$`)
	pointsPath = regexp.MustCompile(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.RecoveryServices/vaults/([^/]+)/backupFabrics/Azure/protectionContainers/([^/]+)/protectedItems/([^/]+)/recoveryPoints$`)
	filterRE   = regexp.MustCompile(`^operation eq 'Backup' and startTime eq '([^']+)' and endTime eq '([^']+)'$`)
)

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.URL.Path == "/"+f.Tenant+"/v2.0/.well-known/openid-configuration":
		base := f.URL + "/" + f.Tenant
		json.NewEncoder(w).Encode(map[string]string{"token_endpoint": base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize", "issuer": "https://login.microsoftonline.com/" + f.Tenant + "/v2.0"})
		return
	case r.URL.Path == "/"+f.Tenant+"/oauth2/v2.0/token":
		f.token(w, r)
		return
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "Bearer ") || !f.tokens[strings.TrimPrefix(auth, "Bearer ")] {
		f.problem(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing or invalid.")
		return
	}
	if f.throttle > 0 {
		f.throttle--
		f.calls["throttled"]++
		w.Header().Set("Retry-After", "1")
		armError(w, http.StatusTooManyRequests, "TooManyRequests", "The request is being throttled.")
		return
	}
	if r.Method != http.MethodGet {
		f.problem(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method)
		return
	}
	q := r.URL.Query()
	if m := vaultsPath.FindStringSubmatch(r.URL.Path); m != nil {
		if !f.apiVersion(w, q.Get("api-version"), f.VaultsAPIVersion) || !f.subscription(w, m[1]) {
			return
		}
		f.calls["vaults"]++
		var all []map[string]string
		for _, v := range slices.Sorted(maps.Keys(f.vaults)) {
			rg, name, _ := strings.Cut(v, "/")
			all = append(all, map[string]string{"name": name, "type": "Microsoft.RecoveryServices/vaults", "location": "japaneast",
				"id": fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.RecoveryServices/vaults/%s", f.Subscription, rg, name)})
		}
		f.page(w, r, all)
		return
	}
	if m := jobsPath.FindStringSubmatch(r.URL.Path); m != nil {
		if !f.apiVersion(w, q.Get("api-version"), f.JobsAPIVersion) || !f.subscription(w, m[1]) {
			return
		}
		jobs, ok := f.vaults[m[2]+"/"+m[3]]
		if !ok {
			armError(w, http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.RecoveryServices/vaults/"+m[3]+"' was not found.")
			return
		}
		fm := filterRE.FindStringSubmatch(q.Get("$filter"))
		if fm == nil {
			f.problem(w, http.StatusBadRequest, "BMSUserErrorInvalidInput", "bad $filter "+q.Get("$filter"))
			return
		}
		from, err1 := time.Parse("2006-01-02 03:04:05 PM", fm[1])
		to, err2 := time.Parse("2006-01-02 03:04:05 PM", fm[2])
		if err1 != nil || err2 != nil {
			f.problem(w, http.StatusBadRequest, "BMSUserErrorInvalidInput", "bad time in $filter "+q.Get("$filter"))
			return
		}
		f.calls["jobs"]++
		var all []map[string]any
		for _, j := range jobs {
			if j.Start.Before(from) || j.Start.After(to) {
				continue
			}
			props := map[string]any{"jobType": "AzureIaaSVMJob", "entityFriendlyName": j.Entity, "backupManagementType": "AzureIaasVM",
				"operation": j.Operation, "status": j.Status, "startTime": j.Start.UTC().Format(time.RFC3339Nano),
				"activityId": "a-" + j.Name, "duration": "PT" + strconv.Itoa(int(j.End.Sub(j.Start).Seconds())) + "S"}
			if !j.End.IsZero() {
				props["endTime"] = j.End.UTC().Format(time.RFC3339Nano)
			}
			if j.Error != "" {
				props["errorDetails"] = []map[string]any{{"errorCode": 400002, "errorString": j.Error}}
			}
			all = append(all, map[string]any{"id": f.JobID(m[2]+"/"+m[3], j.Name), "name": j.Name,
				"type": "Microsoft.RecoveryServices/vaults/backupJobs", "properties": props})
		}
		f.page(w, r, all)
		return
	}
	if m := itemsPath.FindStringSubmatch(r.URL.Path); m != nil {
		if !f.apiVersion(w, q.Get("api-version"), f.JobsAPIVersion) || !f.subscription(w, m[1]) || !f.vault(w, m[2], m[3]) {
			return
		}
		if f.throttled(w, "items") {
			return
		}
		f.calls["items"]++
		vault := m[2] + "/" + m[3]
		var all []map[string]any
		for _, name := range slices.Sorted(maps.Keys(f.items[vault])) {
			all = append(all, map[string]any{"id": f.ItemID(vault, name), "name": "VM;" + container(m[2], name),
				"type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems",
				"properties": map[string]any{"protectedItemType": "Microsoft.Compute/virtualMachines", "friendlyName": name,
					"containerName": container(m[2], name), "backupManagementType": "AzureIaasVM", "workloadType": "VM",
					"protectionState": "Protected", "protectionStatus": "Healthy",
					"sourceResourceId": fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/%s", f.Subscription, m[2], name)}})
		}
		f.page(w, r, all)
		return
	}
	if m := pointsPath.FindStringSubmatch(r.URL.Path); m != nil {
		if !f.apiVersion(w, q.Get("api-version"), f.JobsAPIVersion) || !f.subscription(w, m[1]) || !f.vault(w, m[2], m[3]) {
			return
		}
		vault := m[2] + "/" + m[3]
		var points []time.Time
		found := false
		for name, pts := range f.items[vault] {
			if m[4] == container(m[2], name) && m[5] == "VM;"+container(m[2], name) {
				points, found = pts, true
			}
		}
		if !found {
			armError(w, http.StatusNotFound, "BMSUserErrorProtectedItemNotFound", "Item not found: "+m[5])
			return
		}
		if f.throttled(w, "points") {
			return
		}
		f.calls["points"]++
		points = slices.Clone(points)
		slices.SortFunc(points, func(a, b time.Time) int { return b.Compare(a) }) // newest first, as the service lists them
		var all []map[string]any
		for i, t := range points {
			name := fmt.Sprintf("%d", 900000000000+t.Unix()+int64(i))
			all = append(all, map[string]any{"id": r.URL.Path + "/" + name, "name": name,
				"type": "Microsoft.RecoveryServices/vaults/backupFabrics/protectionContainers/protectedItems/recoveryPoints",
				"properties": map[string]any{"objectType": "IaasVMRecoveryPoint", "recoveryPointType": "AppConsistent",
					"recoveryPointTime": t.UTC().Format("2006-01-02T15:04:05.0000000Z")}})
		}
		f.page(w, r, all)
		return
	}
	armError(w, http.StatusNotFound, "InvalidResourceType", "The resource type could not be found: "+r.URL.Path)
}

// vault answers the API's 404 for a vault the fake does not hold.
func (f *Fake) vault(w http.ResponseWriter, rg, name string) bool {
	if _, ok := f.vaults[rg+"/"+name]; !ok {
		armError(w, http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.RecoveryServices/vaults/"+name+"' was not found.")
		return false
	}
	return true
}

func (f *Fake) token(w http.ResponseWriter, r *http.Request) {
	f.calls["token"]++
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		f.problems = append(f.problems, "token: not a form POST")
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	fv := r.PostForm
	// MSAL adds the OpenID scopes to the resource's; nothing else may come.
	// The resource is Resource Manager's audience, which for an account
	// whose endpoint is overridden (this fake) is that endpoint.
	scopes := strings.Fields(fv.Get("scope"))
	resource := slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return s == "openid" || s == "offline_access" || s == "profile" })
	if fv.Get("grant_type") != "client_credentials" || !slices.Equal(resource, []string{f.Server.URL + "/.default"}) {
		f.problems = append(f.problems, fmt.Sprintf("token: grant_type %q scope %q", fv.Get("grant_type"), fv.Get("scope")))
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request", "error_description": "AADSTS900144: bad grant or scope"})
		return
	}
	if fv.Get("client_id") != f.ClientID || fv.Get("client_secret") != f.ClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		json.NewEncoder(w).Encode(map[string]string{"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
		return
	}
	b := make([]byte, 16)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	f.tokens[tok] = true
	json.NewEncoder(w).Encode(map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
}

func (f *Fake) apiVersion(w http.ResponseWriter, got, want string) bool {
	if got != want {
		f.problem(w, http.StatusBadRequest, "InvalidApiVersionParameter", fmt.Sprintf("The api-version '%s' is invalid; want %s.", got, want))
		return false
	}
	return true
}

func (f *Fake) subscription(w http.ResponseWriter, sub string) bool {
	if sub != f.Subscription {
		armError(w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+sub+"' could not be found.")
		return false
	}
	return true
}

// page answers one page of items, linking to the next with $skiptoken.
func page[T any](f *Fake, w http.ResponseWriter, r *http.Request, all []T) {
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	end := min(skip+f.PageSize, len(all))
	if skip > len(all) {
		skip = len(all)
	}
	body := map[string]any{"value": all[skip:end]}
	if end < len(all) {
		q := r.URL.Query()
		q.Set("$skiptoken", strconv.Itoa(end))
		body["nextLink"] = f.URL + r.URL.Path + "?" + q.Encode()
	}
	if body["value"] == nil {
		body["value"] = []T{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(body)
}

func (f *Fake) page(w http.ResponseWriter, r *http.Request, all any) {
	switch v := all.(type) {
	case []map[string]string:
		page(f, w, r, v)
	case []map[string]any:
		page(f, w, r, v)
	}
}

// WriteCert writes the fake's TLS certificate as PEM into dir and returns
// its path: a server process under test trusts it through SSL_CERT_FILE,
// as Entra and ARM are reached over https only.
func (f *Fake) WriteCert(dir string) (string, error) {
	path := filepath.Join(dir, "azure-fake.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.Certificate().Raw})
	return path, os.WriteFile(path, block, 0o644)
}
