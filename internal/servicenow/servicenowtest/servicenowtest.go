// Package servicenowtest is a ServiceNow instance for tests: an httptest
// server that enforces the documented contract of the Table API, as far as
// unyo uses it, so that the sync is tested against the rules a real instance
// applies rather than against whatever the client sends.
//
// Enforced: the paths /api/now/table/{table} and /api/now/table/{table}/{sys_id}
// of the tables incident, sn_customerservice_case, sc_request, sc_req_item,
// problem and change_request (any other table is 400), and GET of
// sys_journal_field; Basic auth or an OAuth bearer token from
// /oauth_token.do (client credentials), else 401; JSON bodies whose values
// are all strings, else 400; POST answers 201 with result.sys_id (32 hex
// digits) and result.number (INC, CS, REQ, RITM, PRB, CHG...); GET with
// sysparm_query (field=value, field>value, field>=value, joined by ^); PATCH of one record
// of that table (a sys_id of another table is 404). Each table's data policy
// is a 403: resolving an incident without close_code and close_notes, a
// problem without resolution_code, closing a change without close_code and
// close_notes. Stricter than an instance, a state or choice value outside the
// table's list is refused with 403 too, so a mapping error cannot pass.
// work_notes and comments are journal fields: they are not stored on the
// record but as sys_journal_field entries, as an instance keeps them.
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
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request is one request the instance accepted, in the order received.
type Request struct {
	Method string
	Table  string
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
	records map[string]map[string]string // sys_id -> fields; sys_class_name is the table
	order   []string
	log     []Request
	journal []map[string]string // sys_journal_field
	tokens  map[string]bool
	numbers map[string]int
	clock   time.Time
	down    bool
}

// New starts an instance accepting user/pass by Basic auth and the OAuth
// client clientID/secret. Close it when done.
func New(user, pass, clientID, clientSecret string) *Server {
	s := &Server{User: user, Pass: pass, ClientID: clientID, ClientSecret: clientSecret,
		records: map[string]map[string]string{}, tokens: map[string]bool{}, numbers: map[string]int{},
		clock: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)}
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

// RecordsIn returns the records of one table, in creation order.
func (s *Server) RecordsIn(table string) []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]string
	for _, id := range s.order {
		if rec := s.records[id]; rec["sys_class_name"] == table {
			out = append(out, copyFields(rec))
		}
	}
	return out
}

// Journal returns the work notes and comments of a record, oldest first.
func (s *Server) Journal(sysID string) []map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]string
	for _, e := range s.journal {
		if e["element_id"] == sysID {
			out = append(out, copyFields(e))
		}
	}
	return out
}

// AddJournal writes a work note (element work_notes) or a comment on a
// record as the ServiceNow user author would in its UI.
func (s *Server) AddJournal(sysID, element, author, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.note(s.records[sysID], element, author, text)
}

// note appends a journal entry; each is a second after the last, so that
// sys_created_on orders them as an instance's clock would.
func (s *Server) note(rec map[string]string, element, author, text string) {
	s.clock = s.clock.Add(time.Second)
	s.journal = append(s.journal, map[string]string{"sys_id": randomHex(16), "element_id": rec["sys_id"], "name": rec["sys_class_name"],
		"element": element, "value": text, "sys_created_by": author, "sys_created_on": s.clock.Format(dateTime)})
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

const tablePrefix = "/api/now/table/"

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
	rest, ok := strings.CutPrefix(r.URL.Path, tablePrefix)
	name, sysID, one := strings.Cut(rest, "/")
	if name == "sys_journal_field" && !one && r.Method == http.MethodGet {
		s.query(w, r, s.journal)
		return
	}
	t, known := tables[name]
	if !ok || !known || strings.Contains(sysID, "/") {
		fail(w, http.StatusBadRequest, "Invalid table", r.URL.Path)
		return
	}
	switch {
	case !one && r.Method == http.MethodPost:
		s.create(w, r, name, t)
	case !one && r.Method == http.MethodGet:
		var list []map[string]string
		for _, id := range s.order {
			if rec := s.records[id]; rec["sys_class_name"] == name {
				list = append(list, rec)
			}
		}
		s.query(w, r, list)
	case one && r.Method == http.MethodGet:
		s.get(w, name, sysID)
	case one && (r.Method == http.MethodPatch || r.Method == http.MethodPut):
		s.update(w, r, name, t, sysID)
	default:
		fail(w, http.StatusMethodNotAllowed, "Method not Supported", r.Method)
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

func (s *Server) create(w http.ResponseWriter, r *http.Request, name string, t table) {
	fields, ok := body(w, r)
	if !ok {
		return
	}
	rec := map[string]string{}
	for k, v := range fields {
		if k != "work_notes" && k != "comments" && k != "sys_id" && k != "number" {
			rec[k] = v
		}
	}
	if rec["state"] == "" {
		rec["state"] = t.states[0]
		if name == "incident" || name == "sn_customerservice_case" || name == "sc_request" || name == "sc_req_item" {
			rec["state"] = "1"
		}
	}
	rec["sys_class_name"] = name
	if reason := s.refused(t, rec); reason != "" {
		fail(w, http.StatusForbidden, "Operation Failed", reason)
		return
	}
	s.numbers[name]++
	rec["sys_id"], rec["number"] = randomHex(16), fmt.Sprintf("%s%07d", t.prefix, 10000+s.numbers[name])
	s.records[rec["sys_id"]] = rec
	s.order = append(s.order, rec["sys_id"])
	s.journalOf(r, rec, fields)
	s.log = append(s.log, Request{Method: http.MethodPost, Table: name, SysID: rec["sys_id"], Fields: fields})
	result(w, http.StatusCreated, rec)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request, name string, t table, sysID string) {
	rec := s.records[sysID]
	if rec == nil || rec["sys_class_name"] != name {
		fail(w, http.StatusNotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
		return
	}
	fields, ok := body(w, r)
	if !ok {
		return
	}
	next := copyFields(rec)
	for k, v := range fields {
		if k == "sys_id" || k == "number" || k == "sys_class_name" {
			continue
		}
		if k == "work_notes" || k == "comments" { // journal fields: appended, not stored on the record
			continue
		}
		next[k] = v
	}
	if reason := s.refused(t, next); reason != "" {
		fail(w, http.StatusForbidden, "Operation Failed", reason)
		return
	}
	s.records[sysID] = next
	s.journalOf(r, next, fields)
	s.log = append(s.log, Request{Method: r.Method, Table: name, SysID: sysID, Fields: fields})
	result(w, http.StatusOK, next)
}

// journalOf records the journal fields of a write as entries by its author.
func (s *Server) journalOf(r *http.Request, rec, fields map[string]string) {
	author := s.ClientID
	if u, _, ok := r.BasicAuth(); ok {
		author = u
	}
	for _, el := range []string{"work_notes", "comments"} {
		if v := fields[el]; v != "" {
			s.note(rec, el, author, v)
		}
	}
}

// refused applies the table's choice list of state and its data policy.
func (s *Server) refused(t table, rec map[string]string) string {
	if !slices.Contains(t.states, rec["state"]) {
		return "Invalid value " + rec["state"] + " for state"
	}
	return t.refused(s, rec)
}

func (s *Server) get(w http.ResponseWriter, name, sysID string) {
	rec := s.records[sysID]
	if rec == nil || rec["sys_class_name"] != name {
		fail(w, http.StatusNotFound, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")
		return
	}
	result(w, http.StatusOK, rec)
}

// query answers sysparm_query: conditions field=value, field>value or field>=value
// joined by ^ (AND), and ORDERBYfield; sysparm_limit caps the list.
func (s *Server) query(w http.ResponseWriter, r *http.Request, from []map[string]string) {
	var conds [][3]string
	order := ""
	for _, c := range strings.Split(r.URL.Query().Get("sysparm_query"), "^") {
		if f, ok := strings.CutPrefix(c, "ORDERBY"); ok {
			order = f
			continue
		}
		if i := strings.IndexAny(c, "=>"); i > 0 {
			op := c[i : i+1]
			if strings.HasPrefix(c[i:], ">=") {
				op = ">="
			}
			conds = append(conds, [3]string{c[:i], op, c[i+len(op):]})
		} else if c != "" {
			fail(w, http.StatusBadRequest, "Invalid query", c)
			return
		}
	}
	list := []map[string]string{}
	for _, rec := range from {
		match := true
		for _, c := range conds {
			v := rec[c[0]]
			match = match && ((c[1] == "=" && v == c[2]) || (c[1] == ">" && v > c[2]) || (c[1] == ">=" && v >= c[2]))
		}
		if match {
			list = append(list, rec)
		}
	}
	if order != "" {
		slices.SortStableFunc(list, func(a, b map[string]string) int { return strings.Compare(a[order], b[order]) })
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("sysparm_limit")); err == nil && n >= 0 && n < len(list) {
		list = list[:n]
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
