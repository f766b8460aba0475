package channel

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/database"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/notify"
	"github.com/unyo-ops/unyo/internal/notify/email"
	"github.com/unyo-ops/unyo/internal/storage"
)

// Contact is a person of a tenant who is notified by mail through one of
// the tenant's email channels (Via), in their own language and time zone.
type Contact struct {
	ID        int64     `json:"id"`
	Tenant    string    `json:"tenant"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Language  string    `json:"language"`  // "ja" or "en"; empty: the tenant's
	TimeZone  string    `json:"time_zone"` // IANA name; empty: the tenant's
	Via       string    `json:"via"`       // name of an email channel of the tenant
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate normalises and checks c's own fields; the channel it is mailed
// through (Via) is checked by the store, which knows the tenant's channels.
func (c *Contact) Validate() error {
	var err error
	if c.Name, err = validName("name", c.Name); err != nil {
		return err
	}
	if a, err := mail.ParseAddress(c.Email); err != nil || a.Name != "" || a.Address != c.Email {
		return invalid.New("email", "must be a plain address such as ops@example.com")
	}
	switch c.Language {
	case "", "ja", "en":
	default:
		return invalid.New("language", "must be ja or en, not %q", c.Language)
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil || strings.EqualFold(c.TimeZone, "local") {
			return invalid.New("time_zone", "%q is not an IANA time zone", c.TimeZone)
		}
	}
	return nil
}

func (s *Store) validateContact(ctx context.Context, c *Contact) error {
	if err := c.Validate(); err != nil {
		return err
	}
	via, err := s.ByName(ctx, c.Tenant, c.Via)
	if errors.Is(err, storage.ErrNotFound) {
		return invalid.New("via", "no channel %q in this tenant", c.Via)
	} else if err != nil {
		return err
	}
	if via.Type != TypeEmail {
		return invalid.New("via", "channel %q is %s; a contact is mailed through an email channel", c.Via, via.Type)
	}
	return nil
}

// CreateContact validates c and stores it for c.Tenant.
func (s *Store) CreateContact(ctx context.Context, c *Contact) error {
	if err := s.validateContact(ctx, c); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	c.CreatedAt, c.UpdatedAt = now, now
	return database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO notify_contacts (tenant_id, name, email, language, time_zone, via, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?) RETURNING id`, c.Tenant, c.Name, c.Email, c.Language, c.TimeZone, c.Via, now.UnixMilli(), now.UnixMilli()).Scan(&c.ID)
		if err != nil {
			return conflict("contact", err)
		}
		return storage.AuditChange(ctx, tx, storage.Object{ID: c.ID, Detail: c}, now)
	})
}

// UpdateContact replaces the contact c.ID of c.Tenant.
func (s *Store) UpdateContact(ctx context.Context, c *Contact) error {
	prev, err := s.Contact(ctx, c.Tenant, c.ID)
	if err != nil {
		return err
	}
	if err := s.validateContact(ctx, c); err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	c.CreatedAt, c.UpdatedAt = prev.CreatedAt, now
	return database.InTx(ctx, s.db, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE notify_contacts SET name=?, email=?, language=?, time_zone=?, via=?, updated_at=? WHERE tenant_id=? AND id=?`,
			c.Name, c.Email, c.Language, c.TimeZone, c.Via, now.UnixMilli(), c.Tenant, c.ID)
		if err != nil {
			return conflict("contact", err)
		}
		return storage.AuditChange(ctx, tx, storage.Object{ID: c.ID, Detail: c}, now)
	})
}

// DeleteContact removes the contact id of tenant.
func (s *Store) DeleteContact(ctx context.Context, tenant string, id int64) error {
	return s.remove(ctx, "notify_contacts", tenant, id)
}

const selectContacts = `SELECT id, tenant_id, name, email, language, time_zone, via, created_at, updated_at FROM notify_contacts`

// Contact returns the contact id of tenant, storage.ErrNotFound if none.
func (s *Store) Contact(ctx context.Context, tenant string, id int64) (*Contact, error) {
	return s.oneContact(ctx, selectContacts+` WHERE tenant_id=? AND id=?`, tenant, id)
}

// ContactByName returns the contact of tenant called name.
func (s *Store) ContactByName(ctx context.Context, tenant, name string) (*Contact, error) {
	return s.oneContact(ctx, selectContacts+` WHERE tenant_id=? AND name=?`, tenant, name)
}

func (s *Store) oneContact(ctx context.Context, q string, args ...any) (*Contact, error) {
	c, err := scanContact(database.On(ctx, s.db).QueryRowContext(ctx, q, args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, storage.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("channel: cannot read contact: %w", err)
	}
	return c, nil
}

// Contacts returns the contacts of tenant by name.
func (s *Store) Contacts(ctx context.Context, tenant string) ([]*Contact, error) {
	rows, err := database.On(ctx, s.db).QueryContext(ctx, selectContacts+` WHERE tenant_id=? ORDER BY name`, tenant)
	if err != nil {
		return nil, fmt.Errorf("channel: cannot list contacts: %w", err)
	}
	defer rows.Close()
	list := []*Contact{}
	for rows.Next() {
		c, err := scanContact(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("channel: cannot list contacts: %w", err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

func scanContact(f func(...any) error) (*Contact, error) {
	var c Contact
	var created, updated int64
	if err := f(&c.ID, &c.Tenant, &c.Name, &c.Email, &c.Language, &c.TimeZone, &c.Via, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(created).UTC(), time.UnixMilli(updated).UTC()
	return &c, nil
}

// Destination is a target resolved for one delivery: the channel and the
// language and time zone its reader wants.
type Destination struct {
	Channel  notify.Channel
	Language notify.Language
	TimeZone string
}

// ContactPrefix marks a target that names a contact rather than a channel.
const ContactPrefix = "contact:"

// Resolve returns the destination of target for tenant: a channel name, or
// "contact:<name>" for a contact. Language and time zone are the contact's,
// else the tenant's. A target that no longer exists is a permanent failure:
// retrying cannot bring a deleted channel back.
func (s *Store) Resolve(ctx context.Context, tenant, target string) (Destination, error) {
	t, err := s.objects.Tenant(ctx, tenant)
	if err != nil {
		return Destination{}, fmt.Errorf("channel: tenant %q: %w", tenant, err)
	}
	d := Destination{Language: notify.Language(t.Language), TimeZone: t.TimeZone}
	name, isContact := strings.CutPrefix(target, ContactPrefix)
	var contact *Contact
	if isContact {
		if contact, err = s.ContactByName(ctx, tenant, name); err != nil {
			return d, notFound("contact", name, err)
		}
		name = contact.Via
		if contact.Language != "" {
			d.Language = notify.Language(contact.Language)
		}
		if contact.TimeZone != "" {
			d.TimeZone = contact.TimeZone
		}
	}
	c, err := s.ByName(ctx, tenant, name)
	if err != nil {
		return d, notFound("channel", name, err)
	}
	cfg := c.cfg
	if contact != nil {
		ec, ok := cfg.(email.Config)
		if !ok {
			return d, notify.Permanent(fmt.Errorf("channel: contact %q is mailed through %q, which is not an email channel", contact.Name, name))
		}
		ec.To = []string{contact.Email}
		cfg = ec
	}
	if d.Channel, err = s.build.Build(cfg); err != nil {
		return d, notify.Permanent(fmt.Errorf("channel %q: %w", name, err))
	}
	return d, nil
}

func notFound(what, name string, err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return notify.Permanent(fmt.Errorf("channel: no %s %q", what, name))
	}
	return err
}

// TargetExists reports whether target, a channel name or
// "contact:<name>", exists in tenant; escalation policies are checked with it.
func (s *Store) TargetExists(ctx context.Context, tenant, target string) (bool, error) {
	var err error
	if name, ok := strings.CutPrefix(target, ContactPrefix); ok {
		_, err = s.ContactByName(ctx, tenant, name)
	} else {
		_, err = s.ByName(ctx, tenant, target)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
