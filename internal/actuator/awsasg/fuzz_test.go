package awsasg_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/unyo-ops/unyo/internal/actuator/awsasg"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// FuzzConfig: a group's aws_asg settings are refused naming a field, or
// name a group without control characters or an ARN's ':'.
func FuzzConfig(f *testing.F) {
	f.Add(`{"name":"web"}`)
	f.Add(`{"name":"web","region":"ap-northeast-1"}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := awsasg.ParseConfig(json.RawMessage(s))
		if err != nil {
			if _, ok := invalid.As(err); !ok {
				t.Fatalf("%q: %v", s, err)
			}
			return
		}
		if c.Name == "" || strings.ContainsAny(c.Name, ":\n\x00") {
			t.Fatalf("%q accepted as %+v", s, c)
		}
	})
}
