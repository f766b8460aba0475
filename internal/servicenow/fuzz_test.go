package servicenow

import (
	"encoding/json"
	"testing"
)

// FuzzConfigInput feeds the configuration API's body to its decoder and
// validator: either a refusal naming a field or a configuration whose URL is
// an http(s) base URL.
func FuzzConfigInput(f *testing.F) {
	f.Add(`{"instance_url":"https://x.service-now.com","auth":"basic","username":"u","password":"p"}`)
	f.Add(`{"instance_url":"https://x.service-now.com/","auth":"oauth","client_id":"c","client_secret":"s"}`)
	f.Add(`{"instance_url":"http://[::1]:8080","auth":"basic"}`)
	f.Add(`{"instance_url":"https://a@b","auth":"oauth"}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in ConfigInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		if err := in.validate(false); err == nil && in.Auth != AuthBasic && in.Auth != AuthOAuth {
			t.Fatalf("accepted auth %q", in.Auth)
		}
	})
}
