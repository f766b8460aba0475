package servicenow

import (
	"context"
	"testing"
)

// Credentials.Same compares the stored secret, opened in the server, with
// the one an input gives: the same, or none given, is no change.
func TestCredentialsSame(t *testing.T) {
	fx := newFixture(t)
	ctx := context.Background()
	in := ConfigInput{InstanceURL: "https://acme.service-now.com", Auth: AuthBasic, Username: "unyo", Password: "s3cret-pass"}
	if err := in.Check(); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.configs.Put(ctx, "acme", in); err != nil {
		t.Fatal(err)
	}
	_, cr, err := fx.configs.Credentials(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		password string
		want     bool
	}{{"s3cret-pass", true}, {"", true}, {"s3cret-pas", false}, {"other", false}} {
		in.Password = c.password
		if got := cr.Same(in); got != c.want {
			t.Errorf("Same(%q) = %v, want %v", c.password, got, c.want)
		}
	}
	in.Password = ""
	if err := in.Check(); err == nil {
		t.Error("Check accepted basic auth without a password")
	}
}
