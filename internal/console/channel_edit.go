package console

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/unyo-ops/unyo/internal/channel"
	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/notify/email"
)

// channelTypes are the channel types, in the order the forms offer them.
var channelTypes = []string{channel.TypeEmail, channel.TypeSlack, channel.TypeTeams, channel.TypeWebhook}

// channelForm is one channel's form, for its type. Values are its fields
// by name ("config.host"...) as typed, never a secret: a stored secret is
// only said to be set (Set), and an empty secret field keeps it.
type channelForm struct {
	Tenant *model.Tenant
	ID     int64
	Name   string
	Type   string
	Values map[string]string
	Set    map[string]bool // secrets stored: "config.password", "config.secret", "config.webhook_url", header names
	Shown  string          // the destination as the store shows it (a webhook's scheme and host)
	Errs   fieldErrors
}

// TLSModes and AuthModes are the e-mail channel's choices.
func (f *channelForm) TLSModes() []string {
	return []string{string(email.TLSMandatory), string(email.TLSImplicit), string(email.TLSOpportunistic), string(email.TLSNone)}
}

// AuthModes are the SMTP authentications; "" is none.
func (f *channelForm) AuthModes() []string {
	return []string{string(email.AuthNone), string(email.AuthPlain), string(email.AuthLogin)}
}

// IDs name the secret fields in element IDs and catalog keys.
func (f *channelForm) IDs() map[string]string {
	return map[string]string{"config.password": "password", "config.webhook_url": "webhook_url", "config.url": "url", "config.secret": "secret"}
}

// V is the typed value of a field.
func (f *channelForm) V(name string) string { return f.Values[name] }

// channelFields are the form's fields, the JSON paths of the configuration.
var channelFields = map[string]string{"name": "name", "type": "type", "config": "config.to",
	"config.host": "config.host", "config.port": "config.port", "config.tls": "config.tls", "config.auth": "config.auth",
	"config.username": "config.username", "config.password": "config.password", "config.from": "config.from", "config.to": "config.to",
	"config.webhook_url": "config.webhook_url", "config.url": "config.url", "config.secret": "config.secret", "config.headers": "config.headers"}

func (c *Console) newChannel(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.notifySettings(r, p, true)
	if err != nil {
		return err
	}
	typ := r.URL.Query().Get("type")
	if !slices.Contains(channelTypes, typ) {
		return invalid.New("type", "must be one of %v", channelTypes)
	}
	f := &channelForm{Tenant: t, Type: typ, Values: map[string]string{"config.tls": "mandatory"}, Set: map[string]bool{}, Errs: fieldErrors{}}
	return c.renderChannelForm(w, p, f, http.StatusOK)
}

func (c *Console) renderChannelForm(w http.ResponseWriter, p *page, f *channelForm, status int) error {
	p.Active, p.Title = "nav.tenants", p.L.T("adm.channel_new", p.L.T("adm.chtype."+f.Type))
	if f.ID != 0 {
		p.Title = p.L.T("adm.channel_edit", f.Name)
	}
	p.Data = f
	c.render(w, status, "channel_form", p)
	return nil
}

// editChannel shows a channel's form from what the store shows of it:
// destinations, and for each secret whether it is set.
func (c *Console) editChannel(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.notifySettings(r, p, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ch, err := c.opts.Channels.Get(r.Context(), t.ID, id)
	if err != nil {
		return deskError(err)
	}
	return c.renderChannelForm(w, p, channelFormOf(t, ch), http.StatusOK)
}

func channelFormOf(t *model.Tenant, ch *channel.Channel) *channelForm {
	f := &channelForm{Tenant: t, ID: ch.ID, Name: ch.Name, Type: ch.Type, Values: map[string]string{}, Set: map[string]bool{}, Errs: fieldErrors{}}
	str := func(k string) string { s, _ := ch.Config[k].(string); return s }
	switch ch.Type {
	case channel.TypeEmail:
		for _, k := range []string{"host", "tls", "auth", "username", "from"} {
			f.Values["config."+k] = str(k)
		}
		if n, ok := ch.Config["port"].(float64); ok && n > 0 {
			f.Values["config.port"] = strconv.Itoa(int(n))
		} else if n, ok := ch.Config["port"].(int); ok && n > 0 {
			f.Values["config.port"] = strconv.Itoa(n)
		}
		f.Values["config.to"] = strings.Join(stringsOf(ch.Config["to"]), "\n")
		f.Set["config.password"] = str("password") != ""
	case channel.TypeSlack, channel.TypeTeams:
		f.Set["config.webhook_url"], f.Shown = str("webhook_url") != "", str("webhook_url")
	case channel.TypeWebhook:
		f.Set["config.url"], f.Shown = str("url") != "", str("url")
		f.Set["config.secret"] = str("secret") != ""
		var names []string
		switch h := ch.Config["headers"].(type) {
		case map[string]string:
			for k := range h {
				names = append(names, k)
			}
		case map[string]any:
			for k := range h {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		for i, k := range names {
			names[i] = k + ":"
		}
		f.Values["config.headers"] = strings.Join(names, "\n")
	}
	return f
}

// stringsOf reads a list the store shows, whichever way it was decoded.
func stringsOf(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		var out []string
		for _, x := range l {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// input is the API's channel.Input of the typed form, so the channel
// store's decoding and validation apply as they are.
func (f *channelForm) input() (channel.Input, error) {
	v := f.Values
	cfg := map[string]any{}
	switch f.Type {
	case channel.TypeEmail:
		cfg["host"], cfg["tls"], cfg["auth"], cfg["username"], cfg["password"], cfg["from"] =
			v["config.host"], v["config.tls"], v["config.auth"], v["config.username"], v["config.password"], v["config.from"]
		if p := v["config.port"]; p != "" {
			n, err := strconv.Atoi(p)
			if err != nil {
				return channel.Input{}, invalid.New("config.port", "must be a port number, not %q", p)
			}
			cfg["port"] = n
		}
		to := []string{}
		for _, l := range lines(strings.ReplaceAll(v["config.to"], ",", "\n")) {
			to = append(to, l)
		}
		cfg["to"] = to
	case channel.TypeSlack, channel.TypeTeams:
		cfg["webhook_url"] = v["config.webhook_url"]
	case channel.TypeWebhook:
		cfg["url"], cfg["secret"] = v["config.url"], v["config.secret"]
		if hs := lines(v["config.headers"]); len(hs) > 0 || f.ID != 0 {
			headers := map[string]string{}
			for i, l := range hs {
				k, val, ok := strings.Cut(l, ":")
				if !ok || strings.TrimSpace(k) == "" {
					return channel.Input{}, invalid.New("config.headers", "line %d must read like Authorization: Bearer …", i+1)
				}
				headers[strings.TrimSpace(k)] = strings.TrimSpace(val)
			}
			cfg["headers"] = headers
		}
	default:
		return channel.Input{}, invalid.New("type", "must be one of %v", channelTypes)
	}
	raw, err := json.Marshal(cfg)
	return channel.Input{Name: f.Name, Type: f.Type, Config: raw}, err
}

// readChannel fills f from the posted form.
func (f *channelForm) read(r *http.Request) {
	f.Name = r.PostFormValue("name")
	for k := range channelFields {
		if strings.HasPrefix(k, "config.") {
			f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
		}
	}
	f.Values["config.to"], f.Values["config.headers"] = r.PostFormValue("config.to"), r.PostFormValue("config.headers")
}

// createChannel stores a channel from the form of its type. Secrets are
// never echoed back, even when the form is refused.
func (c *Console) createChannel(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.notifySettings(r, p, true)
	if err != nil {
		return err
	}
	f := &channelForm{Tenant: t, Type: r.PostFormValue("type"), Values: map[string]string{}, Set: map[string]bool{}, Errs: fieldErrors{}}
	if !slices.Contains(channelTypes, f.Type) {
		return invalid.New("type", "must be one of %v", channelTypes)
	}
	f.read(r)
	in, err := f.input()
	if err == nil {
		_, err = c.opts.Channels.Create(audited(r, p, t.ID, "create", "channel", "", nil), t.ID, in)
	}
	return c.channelSaved(w, r, p, f, err)
}

// updateChannel replaces a channel; its type stays.
func (c *Console) updateChannel(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.notifySettings(r, p, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ch, err := c.opts.Channels.Get(r.Context(), t.ID, id)
	if err != nil {
		return deskError(err)
	}
	f := channelFormOf(t, ch)
	f.read(r)
	in, err := f.input()
	if err == nil {
		_, err = c.opts.Channels.Update(audited(r, p, t.ID, "update", "channel", strconv.FormatInt(id, 10), nil), t.ID, id, in)
	}
	return c.channelSaved(w, r, p, f, err)
}

// channelSaved goes back to the settings, or shows the form with the
// reason beside its field and every secret field empty again.
func (c *Console) channelSaved(w http.ResponseWriter, r *http.Request, p *page, f *channelForm, err error) error {
	if err == nil {
		return seeOther(w, r, "/tenants/"+f.Tenant.ID+"/settings/notifications")
	}
	for _, k := range []string{"config.password", "config.secret", "config.webhook_url", "config.url"} {
		delete(f.Values, k)
	}
	// Header values are secrets too: only their names come back.
	var names []string
	for _, l := range lines(f.Values["config.headers"]) {
		name, _, _ := strings.Cut(l, ":")
		names = append(names, strings.TrimSpace(name)+":")
	}
	f.Values["config.headers"] = strings.Join(names, "\n")
	if refuseFields(p, deskError(err), f.Errs, channelFields, "name") {
		return c.renderChannelForm(w, p, f, http.StatusBadRequest)
	}
	return err
}

func (c *Console) deleteChannel(w http.ResponseWriter, r *http.Request, p *page) error {
	t, err := c.notifySettings(r, p, true)
	if err != nil {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := c.opts.Channels.Delete(audited(r, p, t.ID, "delete", "channel", strconv.FormatInt(id, 10), nil), t.ID, id); err != nil {
		if msg := refused(p, deskError(err)); msg != "" {
			p.Error = msg
			return c.renderNotifySettings(w, r, p, http.StatusBadRequest)
		}
		return deskError(err)
	}
	return seeOther(w, r, "/tenants/"+t.ID+"/settings/notifications")
}
