package blueprint

import (
	"context"
	"fmt"

	"github.com/unyo-ops/unyo/internal/channel"
)

// Contact is a person of the tenant, mailed through one of the design's
// e-mail channels (via) in their own language and time zone; escalation
// steps name them as contact:<name>, rotations as members.
type Contact struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Language string `json:"language,omitempty"`  // ja or en; empty: the tenant's
	TimeZone string `json:"time_zone,omitempty"` // IANA; empty: the tenant's
	Via      string `json:"via"`                 // an email channel's name
}

// contacts are the tenant's contacts (連絡先).
type contacts struct{}

func (contacts) name() string { return KindContact }

func (contacts) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Channels.Contacts(ctx, tenant)
	if err != nil {
		return err
	}
	for _, c := range list {
		st.put(KindContact, c.Name, &object{id: c.ID, design: contactOf(c)})
	}
	return nil
}

func (contacts) want(d *Design, tenant string, x *ids, add adder) error {
	for _, v := range d.Contacts {
		m := v.model(tenant)
		_ = m.Validate() // normalises as the store does; validate refused what it refuses
		add(m.Name, contactOf(m), v)
	}
	return nil
}

func (contacts) validate(l *loader, d *Design, x *ids, u *unique) {
	email := map[string]bool{}
	for _, c := range d.Channels {
		email[c.Name] = c.Type == channel.TypeEmail
	}
	for i, c := range d.Contacts {
		at := fmt.Sprintf("contacts[%d]", i)
		u.add("contacts", at, "name", c.Name)
		l.check(at, c.model(d.Tenant).Validate())
		switch isEmail, ok := email[c.Via]; {
		case !ok:
			l.fail(at, "via", fmt.Sprintf("no channel %q in this design", c.Via))
		case !isEmail:
			l.fail(at, "via", fmt.Sprintf("channel %q is not an email channel: a contact is mailed through one", c.Via))
		}
	}
}

func (contacts) write(ctx context.Context, w *writer, v any, id int64) error {
	m := v.(Contact).model(w.tenant)
	m.ID = id
	if id == 0 {
		return w.s.stores.Channels.CreateContact(ctx, m)
	}
	return w.s.stores.Channels.UpdateContact(ctx, m)
}

func (contacts) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Channels.DeleteContact(ctx, tenant, id)
}

func (contacts) export(d *Design, v any) { d.Contacts = append(d.Contacts, v.(Contact)) }

func (c Contact) model(tenant string) *channel.Contact {
	return &channel.Contact{Tenant: tenant, Name: c.Name, Email: c.Email, Language: c.Language, TimeZone: c.TimeZone, Via: c.Via}
}

func contactOf(m *channel.Contact) Contact {
	return Contact{Name: m.Name, Email: m.Email, Language: m.Language, TimeZone: m.TimeZone, Via: m.Via}
}

// contactNames are the design's contacts, for the references to them.
func contactNames(d *Design) map[string]int64 {
	out := map[string]int64{}
	for i, c := range d.Contacts {
		out[c.Name] = int64(i + 1)
	}
	return out
}
