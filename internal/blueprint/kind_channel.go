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
		st.put(KindChannel, m.Name, &object{id: m.ID, design: Channel{Name: m.Name, Type: m.Type, Config: m.Config}, stored: m})
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

// secrets refuses a channel's secrets written in clear (secretFields, by
// type) and resolves the references in its config.
func (channels) secrets(l *loader, d *Design) {
	for i := range d.Channels {
		c := &d.Channels[i]
		at := fmt.Sprintf("channels[%d]", i)
		for _, f := range secretFields[c.Type] {
			for path, v := range lookup(c.Config, f) {
				if s, ok := v.(string); ok && s != "" && !refRE.MatchString(s) {
					l.fail(at, "config."+path, "is a secret: write it as ${env:NAME} or ${file:path}, never in the file")
				}
			}
		}
		c.Config = l.resolveAll(at+".config", c.Config).(map[string]any)
	}
}

// sameSecrets opens the stored channel's sealed config (inside the
// server) to compare it with the design's.
func (channels) sameSecrets(cur *object, written any) bool {
	return cur.stored.(*channel.Channel).SameConfig(configJSON(written.(Channel)))
}

func (channels) refs(d *Design, seen map[string]bool) {
	for _, c := range d.Channels {
		collectRefs(c.Config, seen)
	}
}

// secretField: a channel's secrets are all in its config.
func (channels) secretField() string { return "config" }

// export writes the channel's set secrets as environment references.
func (channels) export(d *Design, v any) { d.Channels = append(d.Channels, secretRefs(v.(Channel))) }

// configJSON is a channel's config as the channel store takes it.
func configJSON(c Channel) json.RawMessage {
	b, _ := json.Marshal(c.Config)
	return b
}
