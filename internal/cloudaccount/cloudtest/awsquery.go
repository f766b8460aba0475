package cloudtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// AWSQuery is one AWS endpoint serving Query-protocol services (STS, Auto
// Scaling) as AWS does: a form POST of Action and Version, signed with
// SigV4 by a key it knows, answered with the action's XML document or an
// ErrorResponse. Services are told apart by the credential scope's
// service, as a VPC endpoint would be by host.
type AWSQuery struct {
	mu       sync.Mutex
	keys     map[string]key // access key ID → its secret and session token
	services map[string]QueryService
	calls    []Call
}

type key struct{ secret, token string }

// QueryService is one service of an AWSQuery: its API version, its XML
// namespace and its actions.
type QueryService struct {
	Version   string
	Namespace string
	Actions   map[string]func(c Call) (string, *APIError) // the inner XML of <ActionResult>, "" for none
}

// Call is one request the endpoint accepted the signature of.
type Call struct {
	Service string
	Action  string
	Form    url.Values
	Key     string // the access key ID that signed it
	Region  string
}

// APIError is an error answer: its HTTP status, type (Sender or
// Receiver), code and message.
type APIError struct {
	Status        int
	Type          string
	Code, Message string
}

// NewAWSQuery returns an endpoint that knows the long-term key id/secret.
func NewAWSQuery(id, secret string) *AWSQuery {
	return &AWSQuery{keys: map[string]key{id: {secret: secret}}, services: map[string]QueryService{}}
}

// Serve adds service under its signing name (sts, autoscaling).
func (q *AWSQuery) Serve(name string, s QueryService) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.services[name] = s
}

// AddKey makes a temporary key known, with its session token.
func (q *AWSQuery) AddKey(id, secret, token string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.keys[id] = key{secret: secret, token: token}
}

// Calls returns the accepted calls so far.
func (q *AWSQuery) Calls() []Call {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]Call(nil), q.calls...)
}

func (q *AWSQuery) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const ns = "https://sts.amazonaws.com/doc/2011-06-15/"
	if r.Method != "POST" || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		AWSError(w, 400, ns, "Sender", "MalformedQueryString", "the Query API takes a form-encoded POST")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		AWSError(w, 400, ns, "Sender", "MalformedQueryString", err.Error())
		return
	}
	q.mu.Lock()
	secrets := map[string]string{}
	for id, k := range q.keys {
		secrets[id] = k.secret
	}
	q.mu.Unlock()
	var signed Signed
	var svc QueryService
	if m := authz.FindStringSubmatch(r.Header.Get("Authorization")); m != nil {
		q.mu.Lock()
		svc = q.services[m[4]]
		q.mu.Unlock()
		signed, err = CheckSigV4(r, body, m[4], secrets)
	} else {
		err = fmt.Errorf("Authorization header is not SigV4")
	}
	if svc.Actions == nil && err == nil {
		err = fmt.Errorf("no service %q at this endpoint", signed.Service)
	}
	if err != nil {
		code := "SignatureDoesNotMatch"
		if strings.Contains(err.Error(), "unknown access key") {
			code = "InvalidClientTokenId"
		} else if strings.Contains(err.Error(), "not SigV4") {
			code = "IncompleteSignature"
		}
		AWSError(w, 403, ns, "Sender", code, err.Error())
		return
	}
	q.mu.Lock()
	k := q.keys[signed.AccessKeyID]
	q.mu.Unlock()
	if k.token != r.Header.Get("X-Amz-Security-Token") {
		AWSError(w, 403, svc.Namespace, "Sender", "InvalidClientTokenId", "The security token included in the request is invalid.")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		AWSError(w, 400, svc.Namespace, "Sender", "MalformedQueryString", err.Error())
		return
	}
	action := form.Get("Action")
	if form.Get("Version") != svc.Version {
		AWSError(w, 400, svc.Namespace, "Sender", "InvalidParameterValue", fmt.Sprintf("Version %q is not %s", form.Get("Version"), svc.Version))
		return
	}
	handle, ok := svc.Actions[action]
	if !ok {
		AWSError(w, 400, svc.Namespace, "Sender", "InvalidAction", fmt.Sprintf("Could not find operation %s for version %s", action, svc.Version))
		return
	}
	c := Call{Service: signed.Service, Action: action, Form: form, Key: signed.AccessKeyID, Region: signed.Region}
	q.mu.Lock()
	q.calls = append(q.calls, c)
	q.mu.Unlock()
	result, apiErr := handle(c)
	if apiErr != nil {
		AWSError(w, apiErr.Status, svc.Namespace, apiErr.Type, apiErr.Code, apiErr.Message)
		return
	}
	// An action without a result (SetDesiredCapacity) answers only its
	// metadata, as AWS does.
	if result != "" {
		result = "<" + action + "Result>" + result + "</" + action + "Result>"
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, svc.Namespace, result, randomHex(16), action)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// STS serves AssumeRole (for roleARN, demanding externalID when it is not
// empty, as the role's trust policy would) and GetCallerIdentity on q, in
// account.
func (q *AWSQuery) STS(account, roleARN, externalID string) {
	q.Serve("sts", QueryService{Version: "2011-06-15", Namespace: "https://sts.amazonaws.com/doc/2011-06-15/", Actions: map[string]func(Call) (string, *APIError){
		"AssumeRole": func(c Call) (string, *APIError) {
			if c.Form.Get("RoleArn") != roleARN || c.Form.Get("ExternalId") != externalID || c.Form.Get("RoleSessionName") == "" {
				return "", &APIError{403, "Sender", "AccessDenied", "User: arn:aws:iam::" + account + ":user/unyo is not authorized to perform: sts:AssumeRole on resource: " + c.Form.Get("RoleArn")}
			}
			id, secret, token := "ASIA"+strings.ToUpper(randomHex(8)), randomHex(20), randomHex(32)
			q.AddKey(id, secret, token)
			role := roleARN[strings.LastIndex(roleARN, "/")+1:]
			return fmt.Sprintf(`<AssumedRoleUser><Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn><AssumedRoleId>AROA3XFRBF535PLBIFPI4:%s</AssumedRoleId></AssumedRoleUser>`+
				`<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>`,
				accountOf(roleARN), role, c.Form.Get("RoleSessionName"), c.Form.Get("RoleSessionName"), id, secret, token,
				time.Now().Add(time.Hour).UTC().Format(time.RFC3339)), nil
		},
		"GetCallerIdentity": func(c Call) (string, *APIError) {
			arn := "arn:aws:iam::" + account + ":user/unyo"
			if strings.HasPrefix(c.Key, "ASIA") {
				arn = "arn:aws:sts::" + accountOf(roleARN) + ":assumed-role/" + roleARN[strings.LastIndex(roleARN, "/")+1:] + "/unyo"
			}
			return fmt.Sprintf(`<Arn>%s</Arn><UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Account>%s</Account>`, arn, account), nil
		},
	}})
}

// accountOf is the account ID in an IAM ARN.
func accountOf(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}
