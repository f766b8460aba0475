package cloudtest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// BlobAPIVersion is the least x-ms-version the fake takes (the one
// internal/flowlog sends); Azure takes any version it knows.
const BlobAPIVersion = "2021-08-06"

// BlobStorage is Azure Blob storage for the storage accounts a test names,
// served path-style (/{account}/{container}/{blob}, as Azurite does) on
// one host. It enforces what the service does for a reader with Entra
// tokens: a bearer token issued for Scope (Storage Blob Data Reader's
// audience), x-ms-version on every call, List Blobs (restype=container,
// comp=list, prefix, marker; XML with NextMarker when more than PageSize
// blobs follow), Get Blob with a Range (206 with Content-Range, 416 past
// the end) and the 404 shapes (ContainerNotFound, BlobNotFound), each
// error with its x-ms-error-code header and XML body.
type BlobStorage struct {
	Entra    *Entra
	Scope    string // e.g. https://storage.azure.com/.default
	PageSize int    // blobs per list page; 5000 when 0

	mu         sync.Mutex
	containers map[string]map[string]*appendedBlob // account/container → name → blob
	denied     map[string]bool                     // accounts the principal has no data role on
	calls      []BlobCall
}

// BlobCall is one call the fake answered.
type BlobCall struct {
	Op      string // list or get
	Account string
	Path    string // the container, or container/blob
	Range   string
	Status  int
}

// appendedBlob is a flow log blob as Azure builds it: a first block
// opening the array, a block per record, a last block closing it.
type appendedBlob struct {
	records []string
}

func (b *appendedBlob) bytes() []byte {
	return []byte(`{"records":[` + strings.Join(b.records, ",") + `]}`)
}

// CreateContainer makes account's container exist, empty.
func (s *BlobStorage) CreateContainer(account, container string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.containers == nil {
		s.containers = map[string]map[string]*appendedBlob{}
	}
	if s.containers[account+"/"+container] == nil {
		s.containers[account+"/"+container] = map[string]*appendedBlob{}
	}
}

// Append adds a record (a JSON object) to blob name, creating it (and
// its container) if need be, as Azure appends a flow log's minute.
func (s *BlobStorage) Append(account, container, name, record string) {
	s.CreateContainer(account, container)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.containers[account+"/"+container]
	if c[name] == nil {
		c[name] = &appendedBlob{}
	}
	c[name].records = append(c[name].records, record)
}

// Size is the length of blob name now.
func (s *BlobStorage) Size(account, container, name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.containers[account+"/"+container][name]; b != nil {
		return len(b.bytes())
	}
	return 0
}

// Deny takes the principal's data role on account away: 403
// AuthorizationPermissionMismatch, as without Storage Blob Data Reader.
func (s *BlobStorage) Deny(account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.denied == nil {
		s.denied = map[string]bool{}
	}
	s.denied[account] = true
}

// Allow gives the principal its data role on account back.
func (s *BlobStorage) Allow(account string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.denied, account)
}

// Calls returns the calls answered so far.
func (s *BlobStorage) Calls() []BlobCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BlobCall(nil), s.calls...)
}

// Register serves the accounts on mux.
func (s *BlobStorage) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{account}/{container}", s.list)
	mux.HandleFunc("GET /{account}/{container}/{blob...}", s.get)
}

// storageErr writes Blob storage's error answer.
func storageErr(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-ms-error-code", code)
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><Error><Code>%s</Code><Message>%s
RequestId:00000000-0000-0000-0000-000000000000
Time:2026-12-07T00:00:00.0000000Z</Message></Error>`, code, xmlText(msg))
}

func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// check enforces the headers and the token; it records the call.
func (s *BlobStorage) check(w http.ResponseWriter, r *http.Request, op string) bool {
	account := r.PathValue("account")
	status := 0
	defer func() {
		if status != 0 {
			s.mu.Lock()
			s.calls = append(s.calls, BlobCall{Op: op, Account: account, Path: strings.TrimPrefix(r.URL.Path, "/"+account+"/"), Range: r.Header.Get("Range"), Status: status})
			s.mu.Unlock()
		}
	}()
	switch v := r.Header.Get("x-ms-version"); {
	case v == "":
		status = 400
		storageErr(w, 400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified.")
		return false
	case v < BlobAPIVersion:
		status = 400
		storageErr(w, 400, "InvalidHeaderValue", "The value for one of the HTTP headers is not in the correct format.")
		return false
	}
	if !s.Entra.Authorized(r) {
		status = 401
		storageErr(w, 401, "NoAuthenticationInformation", "Server failed to authenticate the request. Please refer to the information in the www-authenticate header.")
		return false
	}
	if !s.Entra.AuthorizedFor(r, s.Scope) {
		status = 401
		storageErr(w, 401, "InvalidAuthenticationInfo", "Server failed to authenticate the request. Audience validation failed.")
		return false
	}
	s.mu.Lock()
	denied := s.denied[account]
	s.mu.Unlock()
	if denied {
		status = 403
		storageErr(w, 403, "AuthorizationPermissionMismatch", "This request is not authorized to perform this operation using this permission.")
		return false
	}
	status = 200
	return true
}

// listBody is List Blobs' answer.
type listBody struct {
	XMLName       xml.Name   `xml:"EnumerationResults"`
	ServiceURL    string     `xml:"ServiceEndpoint,attr"`
	ContainerName string     `xml:"ContainerName,attr"`
	Prefix        string     `xml:"Prefix"`
	Marker        string     `xml:"Marker,omitempty"`
	MaxResults    int        `xml:"MaxResults"`
	Blobs         []listBlob `xml:"Blobs>Blob"`
	NextMarker    string     `xml:"NextMarker"`
}

type listBlob struct {
	Name       string `xml:"Name"`
	Properties struct {
		ContentLength int    `xml:"Content-Length"`
		ContentType   string `xml:"Content-Type"`
		BlobType      string `xml:"BlobType"`
	} `xml:"Properties"`
}

func (s *BlobStorage) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("restype") != "container" || q.Get("comp") != "list" {
		storageErr(w, 400, "InvalidQueryParameterValue", "Value for one of the query parameters specified in the request URI is invalid.")
		return
	}
	if !s.check(w, r, "list") {
		return
	}
	account, container := r.PathValue("account"), r.PathValue("container")
	s.mu.Lock()
	c, ok := s.containers[account+"/"+container]
	var names []string
	for n := range c {
		if strings.HasPrefix(n, q.Get("prefix")) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	size := map[string]int{}
	for _, n := range names {
		size[n] = len(c[n].bytes())
	}
	s.mu.Unlock()
	if !ok {
		storageErr(w, 404, "ContainerNotFound", "The specified container does not exist.")
		return
	}
	page := s.PageSize
	if page <= 0 {
		page = 5000
	}
	// The marker is opaque to clients: here, the next name, encoded.
	start := 0
	if m := q.Get("marker"); m != "" {
		next, err := strconv.Unquote(`"` + strings.TrimPrefix(m, "2!") + `"`)
		if !strings.HasPrefix(m, "2!") || err != nil {
			storageErr(w, 400, "OutOfRangeInput", "One of the request inputs is out of range.")
			return
		}
		start = sort.SearchStrings(names, next)
	}
	body := listBody{ServiceURL: "https://" + account + ".blob.core.windows.net/", ContainerName: container, Prefix: q.Get("prefix"), Marker: q.Get("marker"), MaxResults: page}
	end := min(start+page, len(names))
	for _, n := range names[start:end] {
		b := listBlob{Name: n}
		b.Properties.ContentLength = size[n]
		b.Properties.ContentType = "application/octet-stream"
		b.Properties.BlobType = "BlockBlob"
		body.Blobs = append(body.Blobs, b)
	}
	if end < len(names) {
		body.NextMarker = "2!" + strings.Trim(strconv.Quote(names[end]), `"`)
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-ms-version", BlobAPIVersion)
	w.Write([]byte(xml.Header))
	xml.NewEncoder(w).Encode(body)
}

var rangeRE = regexp.MustCompile(`^bytes=(\d+)-(\d*)$`)

func (s *BlobStorage) get(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r, "get") {
		return
	}
	account, container, name := r.PathValue("account"), r.PathValue("container"), r.PathValue("blob")
	s.mu.Lock()
	c, ok := s.containers[account+"/"+container]
	var data []byte
	if b := c[name]; b != nil {
		data = b.bytes()
	}
	s.mu.Unlock()
	switch {
	case !ok:
		storageErr(w, 404, "ContainerNotFound", "The specified container does not exist.")
		return
	case data == nil:
		storageErr(w, 404, "BlobNotFound", "The specified blob does not exist.")
		return
	}
	w.Header().Set("x-ms-version", BlobAPIVersion)
	w.Header().Set("x-ms-blob-type", "BlockBlob")
	w.Header().Set("Accept-Ranges", "bytes")
	rg := r.Header.Get("x-ms-range")
	if rg == "" {
		rg = r.Header.Get("Range")
	}
	if rg == "" {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(200)
		w.Write(data)
		return
	}
	m := rangeRE.FindStringSubmatch(rg)
	if m == nil {
		storageErr(w, 400, "InvalidRange", "The range specified is invalid for the current size of the resource.")
		return
	}
	from, _ := strconv.Atoi(m[1])
	to := len(data) - 1
	if m[2] != "" {
		to, _ = strconv.Atoi(m[2])
	}
	if from >= len(data) || to < from {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", len(data)))
		storageErr(w, 416, "InvalidRange", "The range specified is invalid for the current size of the resource.")
		return
	}
	to = min(to, len(data)-1)
	w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, to, len(data)))
	w.Header().Set("Content-Length", strconv.Itoa(to-from+1))
	w.WriteHeader(206)
	w.Write(data[from : to+1])
}
