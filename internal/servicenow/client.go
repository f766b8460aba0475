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
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/unyo-ops/unyo/internal/outbound"
)

// Record is an incident record of the Table API: every value a string.
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

// Client talks to one instance's incident table.
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

const table = "/api/now/table/incident"

// Create inserts an incident and returns the record the instance made.
func (c *Client) Create(ctx context.Context, fields Record) (Record, error) {
	var out struct{ Result Record }
	err := c.do(ctx, http.MethodPost, table, fields, &out)
	if err == nil && (out.Result["sys_id"] == "" || out.Result["number"] == "") {
		err = errors.New("servicenow: create answered without sys_id or number")
	}
	return out.Result, err
}

// Update patches the incident sys_id with fields.
func (c *Client) Update(ctx context.Context, sysID string, fields Record) (Record, error) {
	var out struct{ Result Record }
	err := c.do(ctx, http.MethodPatch, table+"/"+url.PathEscape(sysID), fields, &out)
	return out.Result, err
}

// Get reads the incident sys_id.
func (c *Client) Get(ctx context.Context, sysID string) (Record, error) {
	var out struct{ Result Record }
	err := c.do(ctx, http.MethodGet, table+"/"+url.PathEscape(sysID)+"?sysparm_fields=sys_id,number,state,hold_reason,close_code,close_notes", nil, &out)
	return out.Result, err
}

// ByCorrelation finds the incident whose correlation_id is id; nil if none.
func (c *Client) ByCorrelation(ctx context.Context, id string) (Record, error) {
	var out struct{ Result []Record }
	q := url.Values{"sysparm_query": {"correlation_id=" + id}, "sysparm_limit": {"1"}}
	if err := c.do(ctx, http.MethodGet, table+"?"+q.Encode(), nil, &out); err != nil {
		return nil, err
	}
	if len(out.Result) == 0 {
		return nil, nil
	}
	return out.Result[0], nil
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
		return fmt.Errorf("servicenow: %s %s: %w", method, c.base+table, redact(err))
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
