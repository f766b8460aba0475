package blueprint

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/invalid"
)

// channels are where notifications go (Slack, Teams, email, webhook):
// escalation steps and contacts name them. Their secrets (a webhook URL, a
// password) are references in the files, sealed in the store.
type channels struct{}

func (channels) name() string { return KindChannel }

func (channels) read(ctx context.Context, s Stores, tenant string, st *state) error {
	list, err := s.Channels.List(ctx, tenant)
	if err != nil {
		return err
	}
	for _, m := range list {
		st.put(KindChannel, m.Name, &object{id: m.ID, design: Channel{Name: m.Name, Type: m.Type, Config: m.Config}, channel: m})
	}
	return nil
}

// want compares a channel as the API shows it (its secrets hidden); what
// is written is the full config, secrets included.
func (channels) want(d *Design, tenant string, x *ids, add adder) error {
	for i, v := range d.Channels {
		shown, err := channel.Shown(v.Type, configJSON(v))
		if err != nil {
			return invalid.Prefix(fmt.Sprintf("design.channels[%d]", i), err)
		}
		add(v.Name, Channel{Name: v.Name, Type: v.Type, Config: shown}, v)
	}
	return nil
}

func (channels) validate(l *loader, d *Design, x *ids, u *unique) {
	for i, c := range d.Channels {
		at := fmt.Sprintf("channels[%d]", i)
		u.add("channels", at, "name", c.Name)
		if _, ok := secretFields[c.Type]; !ok {
			l.fail(at, "type", fmt.Sprintf("must be slack, teams, email or webhook, not %q", c.Type))
		}
		x.channels[c.Name] = 1
	}
}

func (channels) write(ctx context.Context, w *writer, v any, id int64) error {
	c := v.(Channel)
	in := channel.Input{Name: c.Name, Type: c.Type, Config: configJSON(c)}
	var err error
	if id == 0 {
		_, err = w.s.stores.Channels.Create(ctx, w.tenant, in)
	} else {
		_, err = w.s.stores.Channels.Update(ctx, w.tenant, id, in)
	}
	return err
}

func (channels) remove(ctx context.Context, s Stores, tenant string, id int64) error {
	return s.Channels.Delete(ctx, tenant, id)
}

// export writes the channel's set secrets as environment references.
func (channels) export(d *Design, v any) { d.Channels = append(d.Channels, secretRefs(v.(Channel))) }

// configJSON is a channel's config as the channel store takes it.
func configJSON(c Channel) json.RawMessage {
	b, _ := json.Marshal(c.Config)
	return b
}
