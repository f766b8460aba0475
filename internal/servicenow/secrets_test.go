package servicenow

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/outbound"
	"github.com/unyo-ops/unyo/internal/servicenow/servicenowtest"
)

// storedConfig is the tenant's row as the database holds it.
func (fx *fixture) storedConfig(t *testing.T, tenant string) string {
	t.Helper()
	var url, auth, user, client string
	var sealed []byte
	var enabled bool
	var updated int64
	err := fx.configs.db.QueryRow(`SELECT instance_url, auth, username, client_id, sealed, enabled, updated_at FROM servicenow_configs WHERE tenant_id=?`, tenant).
		Scan(&url, &auth, &user, &client, &sealed, &enabled, &updated)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s|%s|%s|%s|%x|%v|%d", url, auth, user, client, sealed, enabled, updated)
}

// TestSecretDoesNotFollowANewInstance: the API refuses to move a tenant's
// ServiceNow configuration to another instance URL without the password
// (basic) or client secret (OAuth) again, naming the field and changing
// nothing; with it the move is accepted; a change that keeps the URL keeps
// the stored secret.
func TestSecretDoesNotFollowANewInstance(t *testing.T) {
	fx := newFixture(t)
	api := serveAPI(t, fx)
	other := servicenowtest.New("unyo.integration", "s3cret-pass", "unyo-client", "client-s3cret")
	t.Cleanup(other.Close)
	put := func(url, auth, secret string) string {
		if auth == "basic" {
			return fmt.Sprintf(`{"instance_url":%q,"auth":"basic","username":"unyo.integration","password":%q}`, url, secret)
		}
		return fmt.Sprintf(`{"instance_url":%q,"auth":"oauth","client_id":"unyo-client","client_secret":%q}`, url, secret)
	}
	refused := func(body, field string) {
		t.Helper()
		before := fx.storedConfig(t, "acme")
		code, got := api("PUT", "/api/v1/tenants/acme/servicenow", "acme:admin", body)
		if code != 400 || !strings.Contains(got, `"field":"`+field+`"`) || !strings.Contains(got, "given again") {
			t.Errorf("PUT %s = %d %s, want 400 naming %s", body, code, got, field)
		}
		if after := fx.storedConfig(t, "acme"); after != before {
			t.Errorf("a refused PUT changed the stored configuration:\n%s\n%s", before, after)
		}
	}
	accepted := func(body string) {
		t.Helper()
		if code, got := api("PUT", "/api/v1/tenants/acme/servicenow", "acme:admin", body); code != 200 {
			t.Fatalf("PUT %s = %d %s", body, code, got)
		}
	}
	secretOf := func() Credentials {
		t.Helper()
		_, cr, err := fx.configs.Credentials(context.Background(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		return cr
	}

	accepted(put(fx.sn.URL, "basic", "s3cret-pass"))
	refused(put(other.URL, "basic", ""), "password")
	refused(put(strings.Replace(other.URL, "127.0.0.1", "localhost", 1), "basic", ""), "password")
	accepted(put(fx.sn.URL+"/", "basic", "")) // the same instance: the password stays
	accepted(`{"instance_url":"` + fx.sn.URL + `","auth":"basic","username":"unyo.integration","enabled":false}`)
	if cr := secretOf(); cr.Password != "s3cret-pass" {
		t.Fatalf("the password was lost by changes that kept the URL: %+v", cr)
	}
	accepted(put(other.URL, "basic", "s3cret-pass"))

	accepted(put(fx.sn.URL, "oauth", "client-s3cret"))
	refused(put(other.URL, "oauth", ""), "client_secret")
	accepted(put(fx.sn.URL, "oauth", ""))
	if cr := secretOf(); cr.ClientSecret != "client-s3cret" {
		t.Fatalf("the client secret was lost by a change that kept the URL: %+v", cr)
	}
	accepted(put(other.URL, "oauth", "client-s3cret"))

	// The store refuses the same way without the API in front.
	_, err := fx.configs.Put(context.Background(), "acme", ConfigInput{InstanceURL: fx.sn.URL, Auth: AuthOAuth, ClientID: "unyo-client"})
	if e, ok := invalid.As(err); !ok || e.Field != "client_secret" {
		t.Fatalf("Put without the secret to a new URL = %v", err)
	}
}

// TestClientRefusesInternalInstances: the client dials through the
// outbound policy: by default an instance on a loopback address gets no
// request (and so no password), and a redirect from an allowed instance
// to a refused address or another host is not followed.
func TestClientRefusesInternalInstances(t *testing.T) {
	sn := servicenowtest.New("u", "p", "cid", "csecret")
	defer sn.Close()
	cfg := Config{InstanceURL: sn.URL, Auth: AuthBasic, Username: "u"}
	_, err := NewClient(cfg, Credentials{Password: "p"}, nil, time.Second).Get(context.Background(), "incident", "x")
	if !outbound.IsRefused(err) || len(sn.Requests()) != 0 {
		t.Fatalf("Get under the default policy = %v, %d requests reached the instance", err, len(sn.Requests()))
	}

	var internalHits atomic.Int64
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { internalHits.Add(1) }))
	defer internal.Close()
	l, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	redirector := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	redirector.Listener.Close()
	redirector.Listener = l
	redirector.Start()
	defer redirector.Close()
	only2, _ := outbound.ParseAllow("127.0.0.2/32")
	_, err = NewClient(Config{InstanceURL: redirector.URL, Auth: AuthBasic, Username: "u"}, Credentials{Password: "p"}, outbound.New(only2), time.Second).Get(context.Background(), "incident", "x")
	if err == nil || internalHits.Load() != 0 {
		t.Fatalf("redirect to a refused address: %v, %d requests reached it", err, internalHits.Load())
	}
	all, _ := outbound.ParseAllow("127.0.0.0/8")
	_, err = NewClient(Config{InstanceURL: redirector.URL, Auth: AuthBasic, Username: "u"}, Credentials{Password: "p"}, outbound.New(all), time.Second).Get(context.Background(), "incident", "x")
	if err == nil || !strings.Contains(err.Error(), "another host") || internalHits.Load() != 0 {
		t.Fatalf("redirect to another host: %v, %d requests reached it", err, internalHits.Load())
	}
}
