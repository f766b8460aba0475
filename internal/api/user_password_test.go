package api_test

import (
	"fmt"
	"testing"
)

// TestPasswordMustChangeInUserJSON: a password an admin sets for someone
// else marks the user so the console asks them to change it; the mark is
// in the user JSON, read-only, and a password an admin sets for themselves
// does not set it.
func TestPasswordMustChangeInUserJSON(t *testing.T) {
	e := newEnv(t)
	type user struct {
		ID                 int64 `json:"id"`
		PasswordMustChange *bool `json:"password_must_change"`
	}
	var op user
	e.must(201, "POST", "/api/v1/users", admin, map[string]any{"login": "op1", "role": "operator", "password": "operator-password-1"}, &op)
	if op.PasswordMustChange == nil || !*op.PasswordMustChange {
		t.Fatalf("a user created by an admin: password_must_change = %v, want true", op.PasswordMustChange)
	}
	var got user
	e.must(200, "GET", fmt.Sprintf("/api/v1/users/%d", op.ID), admin, nil, &got)
	if got.PasswordMustChange == nil || !*got.PasswordMustChange {
		t.Fatalf("GET user: password_must_change = %v, want true", got.PasswordMustChange)
	}
	// The field is read-only: a client cannot clear it for the user.
	e.must(400, "PUT", fmt.Sprintf("/api/v1/users/%d", op.ID), admin,
		map[string]any{"role": "operator", "password_must_change": false}, nil)

	// The admin's own password, set by the admin, is the admin's.
	var me []struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
	}
	e.must(200, "GET", "/api/v1/users", admin, nil, &me)
	var adminID int64
	for _, u := range me {
		if u.Login == "admin" {
			adminID = u.ID
		}
	}
	e.must(200, "PUT", fmt.Sprintf("/api/v1/users/%d", adminID), admin,
		map[string]any{"role": "admin", "password": "admins-new-password-1"}, &got)
	if got.PasswordMustChange == nil || *got.PasswordMustChange {
		t.Errorf("an admin's own new password: password_must_change = %v, want false", got.PasswordMustChange)
	}
}
