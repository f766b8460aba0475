package servicenow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/unyo-ops/unyo/internal/outbound"
)

// Record is a record of the Table API: every value a string.
type Record map[string]string

// UnmarshalJSON reads a record as the Table API answers it. Plain fields are
// strings; reference fields (opened_by, caller_id, assignment_group) are
// objects {"link", "value"}, of which the sys_id in value is kept.
func (r *Record) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	out := make(Record, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
			continue
		}
		var ref struct {
			Value *string `json:"value"`
		}
		if json.Unmarshal(v, &ref) == nil && ref.Value != nil {
			out[k] = *ref.Value
			continue
		}
		out[k] = strings.TrimSpace(string(v)) // a number or boolean an instance sent as such
	}
	*r = out
	return nil
}

// Client talks to one instance's Table API.
type Client struct {
	base string
	http *http.Client
	user string
	pass string
}

// APIError is an answer of the instance other than success.
type APIError struct {
	Status  int
	Message string
}

// Error names the status and the instance's message.
func (e *APIError) Error() string {
	return fmt.Sprintf("servicenow: HTTP %d: %s", e.Status, e.Message)
}

// Retryable reports whether the same request may succeed later: the instance
// was unreachable, busy or failing, not refusing the request itself.
func Retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusTooManyRequests || ae.Status >= 500 || ae.Status == http.StatusUnauthorized
	}
	return err != nil
}

// NewClient returns a client for cfg with its secret opened. It connects
// through egress's dialer (nil: the default policy, which refuses internal
// addresses); requests time out after timeout (30s when zero).
func NewClient(cfg Config, secret Credentials, egress *outbound.Policy, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	base := egress.Client(timeout)
	base.CheckRedirect = sameHost(egress)
	c := &Client{base: strings.TrimRight(cfg.InstanceURL, "/"), http: base}
	switch cfg.Auth {
	case AuthOAuth:
		cc := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: secret.ClientSecret,
			TokenURL: c.base + "/oauth_token.do", AuthStyle: oauth2.AuthStyleInParams}
		c.http = cc.Client(context.WithValue(context.Background(), oauth2.HTTPClient, base))
		c.http.Timeout = timeout
		c.http.CheckRedirect = base.CheckRedirect
	default:
		c.user, c.pass = cfg.Username, secret.Password
	}
	return c
}

// sameHost follows a redirect only within the instance and where egress
// allows: the OAuth transport would put the bearer token on a request to
// any other host.
func sameHost(egress *outbound.Policy) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) > 0 && !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
			return errors.New("servicenow: redirect to another host refused")
		}
		return egress.CheckRedirect(req, via)
	}
}

// tablePath is the Table API path of table.
func tablePath(table string) string { return "/api/now/table/" + url.PathEscape(table) }

// Create inserts a record into table and returns the record the instance made.
func (c *Client) Create(ctx context.Context, table string, fields Record) (Record, error) {
	var out struct{ Result Record }
	err := c.do(ctx, http.MethodPost, tablePath(table), fields, &out)
	if err == nil && (out.Result["sys_id"] == "" || out.Result["number"] == "") {
		err = errors.New("servicenow: create answered without sys_id or number")
	}
	return out.Result, err
}

// Update patches the record sys_id of table with fields.
func (c *Client) Update(ctx context.Context, table, sysID string, fields Record) (Record, error) {
	var out struct{ Result Record }
	err := c.do(ctx, http.MethodPatch, tablePath(table)+"/"+url.PathEscape(sysID), fields, &out)
	return out.Result, err
}

// Get reads the record sys_id of table.
func (c *Client) Get(ctx context.Context, table, sysID string) (Record, error) {
	var out struct{ Result Record }
	err := c.do(ctx, http.MethodGet, tablePath(table)+"/"+url.PathEscape(sysID), nil, &out)
	return out.Result, err
}

// Query lists the records of table matching an encoded query (conditions
// joined by ^), at most limit.
func (c *Client) Query(ctx context.Context, table, query string, limit int) ([]Record, error) {
	var out struct{ Result []Record }
	q := url.Values{"sysparm_query": {query}, "sysparm_limit": {strconv.Itoa(limit)}}
	err := c.do(ctx, http.MethodGet, tablePath(table)+"?"+q.Encode(), nil, &out)
	return out.Result, err
}

// ByCorrelation finds the record of table whose correlation_id is id; nil if none.
func (c *Client) ByCorrelation(ctx context.Context, table, id string) (Record, error) {
	list, err := c.Query(ctx, table, "correlation_id="+id, 1)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// Journal lists the work notes and comments of the record sys_id written
// at or after since (glide date time, "" for all), oldest first: the
// sys_journal_field table, where an instance keeps them.
func (c *Client) Journal(ctx context.Context, sysID, since string) ([]Record, error) {
	q := "element_id=" + sysID
	if since != "" {
		q += "^sys_created_on>=" + since
	}
	return c.Query(ctx, "sys_journal_field", q+"^ORDERBYsys_created_on", 1000)
}

func (c *Client) do(ctx context.Context, method, path string, in Record, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("servicenow: %w", err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return fmt.Errorf("servicenow: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("servicenow: %s %s: %w", method, c.base+strings.SplitN(path, "?", 2)[0], redact(err))
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct{ Message, Detail string }
		}
		json.Unmarshal(data, &e)
		msg := strings.TrimSpace(e.Error.Message + ": " + e.Error.Detail)
		if e.Error.Message == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return &APIError{Status: resp.StatusCode, Message: msg}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("servicenow: unreadable answer to %s: %w", method, err)
	}
	return nil
}

// redact drops the URL from a transport error: an OAuth failure can carry
// the token endpoint's answer, and nothing secret may reach a log.
func redact(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
