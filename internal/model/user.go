package model

import (
	"regexp"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Role is what a person may do.
type Role string

// The roles. An admin manages users, tokens and tenants; an operator works on
// every tenant's data; a viewer reads one tenant's data only; a requester is
// a customer's user who also takes the customer's part: opens inquiries and
// catalog requests, comments on them, and approves or rejects what waits for
// the customer's approval.
const (
	RoleAdmin     Role = "admin"
	RoleOperator  Role = "operator"
	RoleViewer    Role = "viewer"
	RoleRequester Role = "requester"
)

// Customer reports whether the role is a customer's (bound to one tenant):
// viewer or requester.
func (r Role) Customer() bool { return r == RoleViewer || r == RoleRequester }

// User is a person who logs in: MSP staff, or a customer's viewer or requester.
type User struct {
	ID       int64  `json:"id"`
	Login    string `json:"login"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Role     Role   `json:"role"`
	TenantID string `json:"tenant,omitempty"` // required for customer roles, empty for MSP staff
	Language string `json:"language"`
	TimeZone string `json:"time_zone"`
	Disabled bool   `json:"disabled"`
	// PasswordMustChange is set while the user's password is one someone
	// else chose (the generated first-admin password, or one an admin set):
	// the console asks them to change it. Read-only in the API.
	PasswordMustChange bool      `json:"password_must_change"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	PasswordHash       string    `json:"-"`
}

var loginRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._@-]{0,127}$`)

// Normalize fills defaults for optional fields.
func (u *User) Normalize() {
	if u.Language == "" {
		u.Language = "ja"
	}
	if u.TimeZone == "" {
		u.TimeZone = "Asia/Tokyo"
	}
	if u.Name == "" {
		u.Name = u.Login
	}
}

// Validate reports the first field that is not acceptable.
func (u *User) Validate() error {
	if !loginRE.MatchString(u.Login) {
		return invalid.New("login", "must be 1-128 letters, digits or . _ @ -")
	}
	switch u.Role {
	case RoleAdmin, RoleOperator:
		if u.TenantID != "" {
			return invalid.New("tenant", "must be empty for role %q: MSP staff work across tenants", u.Role)
		}
	case RoleViewer, RoleRequester:
		if u.TenantID == "" {
			return invalid.New("tenant", "is required for role %q: a customer's user belongs to its tenant", u.Role)
		}
	default:
		return invalid.New("role", "must be admin, operator, viewer or requester, not %q", u.Role)
	}
	if err := validateLanguage("language", u.Language); err != nil {
		return err
	}
	return validateZone("time_zone", u.TimeZone)
}

// MinPasswordLength is the shortest password a user may set; forms state it.
const MinPasswordLength = 12

// ValidatePassword enforces the minimum a password must meet.
func ValidatePassword(p string) error {
	if len(p) < MinPasswordLength {
		return invalid.New("password", "must be at least %d characters", MinPasswordLength)
	}
	if len(p) > 72 {
		return invalid.New("password", "must be at most 72 bytes")
	}
	return nil
}
