package servicenow

import (
	"encoding/json"
	"slices"
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
	f.Add(`{"instance_url":"https://x.service-now.com","auth":"basic","username":"u","password":"p","tables":{"inquiry":"sn_customerservice_case","problem":"none"}}`)
	f.Add(`{"instance_url":"https://x.service-now.com","auth":"basic","username":"u","password":"p","tables":{"task":"incident"}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var in ConfigInput
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		err := in.validate(false)
		if err == nil && in.Auth != AuthBasic && in.Auth != AuthOAuth {
			t.Fatalf("accepted auth %q", in.Auth)
		}
		if err != nil {
			return
		}
		// An accepted mapping sends every kind to one of its own tables.
		for _, k := range Kinds {
			if table := in.Tables.For(k); !slices.Contains(TableChoices(k), table) {
				t.Fatalf("accepted %s for %s", table, k)
			}
		}
		if got := decodeTables(in.Tables.encode()); len(got) != len(Kinds) {
			t.Fatalf("stored mapping %v read back as %v", in.Tables, got)
		}
	})
}

// FuzzRecord reads answers of an instance: strings, references and anything
// else an instance might send, without a panic, keeping string values as sent.
func FuzzRecord(f *testing.F) {
	f.Add(`{"sys_id":"abc","state":"6"}`)
	f.Add(`{"opened_by":{"link":"https://x/api/now/table/sys_user/1","value":"1"},"impact":2}`)
	f.Add(`{"a":null,"b":[1],"c":{"display_value":"x"}}`)
	f.Fuzz(func(t *testing.T, body string) {
		var raw map[string]any
		if json.Unmarshal([]byte(body), &raw) != nil {
			return
		}
		var r Record
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("a JSON object was refused: %v", err)
		}
		for k, v := range raw {
			if s, ok := v.(string); ok && r[k] != s {
				t.Fatalf("%s: %q became %q", k, s, r[k])
			}
		}
	})
}
