// Package servicenowtest is a ServiceNow instance for tests: an httptest
// server that enforces the documented contract of the Table API's incident
// table, as far as unyo uses it, so that the sync is tested against the rules
// a real instance applies rather than against whatever the client sends.
//
// Enforced: the paths /api/now/table/incident and /api/now/table/incident/{sys_id};
// Basic auth or an OAuth bearer token from /oauth_token.do (client
// credentials), else 401; JSON bodies whose values are all strings, else
// 400; POST answers 201 with result.sys_id (32 hex digits) and result.number
// (INC...); GET with sysparm_query=correlation_id=X; PATCH of one record;
// resolving (state 6) without close_code and close_notes is refused with 403,
// as the default data policy does.
package servicenowtest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Request is one request the instance accepted, in the order received.
type Request struct {
	Method string
	SysID  string
	Fields map[string]string // the body of POST and PATCH
}

// Server is a fake ServiceNow instance on loopback.
type Server struct {
	URL          string
	User, Pass   string // Basic auth
	ClientID     string // OAuth client credentials
	ClientSecret string

	srv     *httptest.Server
	mu      sync.Mutex
	records map[string]map[string]string // sys_id -> fields
	order   []string
	log     []Request
	tokens  map[string]bool
	number  int
	down    bool
}

// New starts an instance accepting user/pass by Basic auth and the OAuth
// client clientID/secret. Close it when done.
func New(user, pass, clientID, clientSecret string) *Server {
	s := &Server{User: user, Pass: pass, ClientID: clientID, ClientSecret: clientSecret,
		records: map[string]map[string]string{}, tokens: map[string]bool{}, number: 10000}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the instance.
func (s *Server) Close() { s.srv.Close() }

// SetDown makes the instance answer 503 to everything (or stops doing so),
// as an instance under maintenance does.
func (s *Server) SetDown(down bool) { s.mu.Lock(); s.down = down; s.mu.Unlock() }

// Requests returns the accepted writes (POST and PATCH) in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Record returns a copy of the record with sys_id, nil when there is none.
func (s *Server) Record(sysID string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return copyFields(s.records[sysID])
}

// Records returns every record, in creation order.
func (s *Server) Records() []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]string
	for _, id := range s.order {
		out = append(out, copyFields(s.records[id]))
	}
	return out
}

// Set changes fields of a record as a ServiceNow user would in its UI; the
// change is not logged as a request.
func (s *Server) Set(sysID string, fields map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, v := range fields {
		s.records[sysID][k] = v
	}
}

func copyFields(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

const tablePath = "/api/now/table/incident"

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		fail(w, http.StatusServiceUnavailable, "Instance unavailable", "")
		return
	}
	if r.URL.Path == "/oauth_token.do" {
		s.token(w, r)
		return
	}
	if !s.authorized(r) {
		fail(w, http.StatusUnauthorized, "User Not Authenticated", "Required to provide Auth information")
		return
	}
	sysID, one := strings.CutPrefix(r.URL.Path, tablePath+"/")
	switch {
	case r.URL.Path == tablePath && r.Method == http.MethodPost:
		s.create(w, r)
	case r.URL.Path == tablePath && r.Method == http.MethodGet:
		s.query(w, r)
	case one && r.Method == http.MethodGet:
		s.get(w, sysID)
	case one && (r.Method == http.MethodPatch || r.Method == http.MethodPut):
		s.update(w, r, sysID)
	case r.URL.Path == tablePath || one:
		fail(w, http.StatusMethodNotAllowed, "Method not Supported", r.Method)
	default:
		fail(w, http.StatusBadRequest, "Invalid table", r.URL.Path)
	}
}

func (s *Server) authorized(r *http.Request) bool {
	if u, p, ok := r.BasicAuth(); ok {
		return s.User != "" && u == s.User && p == s.Pass
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && s.tokens[tok]
}

// token is /oauth_token.do with grant_type=client_credentials.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_request"}`)
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if s.ClientID == "" || id != s.ClientID || secret != s.ClientSecret {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"access_denied","error_description":"access_denied"}`)
		return
	}
	tok := randomHex(16)
	s.tokens[tok] = true
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 1799, "scope": "useraccount"})
}

// body reads a JSON object whose values are all strings, as the Table API
// documents its request bodies.
func body(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		fail(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json", r.Header.Get("Content-Type"))
		return nil, false
	}
	var raw map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&raw); err != nil {
		fail(w, http.StatusBadRequest, "Exception while reading request", err.Error())
		return nil, false
	}
	out := map[string]string{}
	for k, v := range raw {
		str, ok := v.(string)
		if !ok {
			fail(w, http.StatusBadRequest, "Invalid value", fmt.Sprintf("%s must be a string, got %T", k, v))
			return nil, false
		}
		out[k] = str
	}
	return out, true
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	fields, ok := body(w, r)
	if !ok {
		return
	}
	rec := copyFields(fields)
	if rec["state"] == "" {
		rec["state"] = "1"
	}
	if reason := resolveRefused(rec); reason != "" {
		fail(w, http.StatusForbidden, "Operation Failed", reason)
		return
	}
	s.number++
	rec["sys_id"], rec["number"] = randomHex(16), fmt.Sprintf("INC%07d", s.number)
	s.records[rec["sys_id"]] = rec
	s.order = append(s.order, rec["sys_id"])
	s.log = append(s.log, Request{Method: http.MethodPost, SysID: rec["sys_id"], Fields: fields})
	result(w, http.StatusCreated, rec)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, sysID string) {
	rec := s.records[sysID]
	if rec == nil {
		fail(w, http.StatusNotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
		return
	}
	fields, ok := body(w, r)
	if !ok {
		return
	}
	next := copyFields(rec)
	for k, v := range fields {
		if k == "sys_id" || k == "number" {
			continue
		}
		if k == "work_notes" || k == "comments" { // journal fields: appended, not stored on the record
			continue
		}
		next[k] = v
	}
	if reason := resolveRefused(next); reason != "" {
		fail(w, http.StatusForbidden, "Operation Failed", reason)
		return
	}
	s.records[sysID] = next
	s.log = append(s.log, Request{Method: r.Method, SysID: sysID, Fields: fields})
	result(w, http.StatusOK, next)
}

// resolveRefused is the data policy: a resolved (6) or closed (7) incident
// needs a close code and close notes.
func resolveRefused(rec map[string]string) string {
	if (rec["state"] == "6" || rec["state"] == "7") && (rec["close_code"] == "" || rec["close_notes"] == "") {
		return "Data Policy Exception: the following fields are mandatory: Resolution code, Resolution notes"
	}
	return ""
}

func (s *Server) get(w http.ResponseWriter, sysID string) {
	rec := s.records[sysID]
	if rec == nil {
		fail(w, http.StatusNotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
		return
	}
	result(w, http.StatusOK, rec)
}

// query answers sysparm_query=field=value (one condition, as unyo sends).
func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("sysparm_query")
	field, value, _ := strings.Cut(q, "=")
	list := []map[string]string{}
	for _, id := range s.order {
		if rec := s.records[id]; q == "" || rec[field] == value {
			list = append(list, rec)
		}
	}
	result(w, http.StatusOK, list)
}

// result answers as the Table API does, with the reference fields a real
// record carries as objects {"link", "value"} rather than strings.
func result(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"result": withReferences(v)})
}

func withReferences(v any) any {
	switch rec := v.(type) {
	case map[string]string:
		out := map[string]any{}
		for k, v := range rec {
			out[k] = v
		}
		out["opened_by"] = map[string]string{"link": "https://instance/api/now/table/sys_user/6816f79cc0a8016401c5a33be04be441", "value": "6816f79cc0a8016401c5a33be04be441"}
		return out
	case []map[string]string:
		out := []any{}
		for _, r := range rec {
			out = append(out, withReferences(r))
		}
		return out
	}
	return v
}

func fail(w http.ResponseWriter, status int, msg, detail string) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"message": msg, "detail": detail}, "status": "failure"})
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
