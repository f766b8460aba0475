package model

import (
	"regexp"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// Tenant is one customer of the MSP. Its ID is also the value of the `tenant`
// label on every series the customer owns.
type Tenant struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Language  string    `json:"language"`  // "ja" or "en": reports and notifications
	TimeZone  string    `json:"time_zone"` // IANA name used for reports
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Normalize fills defaults for optional fields.
func (t *Tenant) Normalize() {
	if t.Language == "" {
		t.Language = "ja"
	}
	if t.TimeZone == "" {
		t.TimeZone = "Asia/Tokyo"
	}
}

// Validate reports the first field that is not acceptable.
func (t *Tenant) Validate() error {
	if !slugRE.MatchString(t.ID) {
		return invalid.New("id", "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit")
	}
	if err := requireName("name", t.Name); err != nil {
		return err
	}
	if err := validateLanguage("language", t.Language); err != nil {
		return err
	}
	return validateZone("time_zone", t.TimeZone)
}

func requireName(field, v string) error {
	if v == "" {
		return invalid.New(field, "is required")
	}
	if len(v) > 200 {
		return invalid.New(field, "is longer than 200 bytes")
	}
	return nil
}

func validateLanguage(field, v string) error {
	if v != "ja" && v != "en" {
		return invalid.New(field, "must be \"ja\" or \"en\", not %q", v)
	}
	return nil
}

func validateZone(field, v string) error {
	if _, err := time.LoadLocation(v); err != nil || v == "" {
		return invalid.New(field, "unknown time zone %q", v)
	}
	return nil
}
