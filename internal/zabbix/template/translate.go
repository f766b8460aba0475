package template

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/unyo-ops/unyo/internal/model"
	"github.com/unyo-ops/unyo/internal/monitoring"
	"github.com/unyo-ops/unyo/internal/zabbix"
)

// Options change how an export is translated.
type Options struct {
	// Address is where the hosts' Zabbix agents are polled, with unyo's
	// placeholders; DefaultAddress when empty.
	Address string
}

// DefaultAddress polls each host at the address in its zabbix_address
// label (host or host:port): a host without the label shows the problem in
// its effective items rather than being polled at a guessed name.
const DefaultAddress = "${label.zabbix_address}"

// Entry is one part of an export in the report: what it became, or why
// it was not translated.
type Entry struct {
	Kind   string `json:"kind"` // item, trigger, discovery_rule, web_scenario, graph, value_map, macro
	Name   string `json:"name"`
	Source string `json:"source,omitempty"` // the key, expression or macro value
	Item   string `json:"item,omitempty"`   // the unyo item it became
	Note   string `json:"note,omitempty"`   // what changed on the way
	Reason string `json:"reason,omitempty"` // why it was not translated
}

// TemplateReport is the import of one Zabbix template.
type TemplateReport struct {
	Name         string               `json:"name"`
	Template     *monitoring.Template `json:"template"`
	Translated   []Entry              `json:"translated"`
	Untranslated []Entry              `json:"untranslated"`
	Counted      int                  `json:"counted"` // items, triggers, discovery rules and web scenarios
	Rate         float64              `json:"rate"`    // percent of Counted translated
	Macros       []Macro              `json:"macros"`  // the template's macros and their defaults
}

// Report is the import of a whole export.
type Report struct {
	Version   string           `json:"zabbix_version"`
	Format    Format           `json:"format"`
	Templates []TemplateReport `json:"templates"`
	Counted   int              `json:"counted"`
	Rate      float64          `json:"rate"` // percent, over every template
}

// counted are the kinds the translation rate is over: what monitors.
// Graphs, value maps and macros are listed, not counted.
var counted = map[string]bool{"item": true, "trigger": true, "discovery_rule": true, "web_scenario": true}

// Import reads an export and translates each of its templates into a unyo
// template for tenant. Nothing is stored.
func Import(data []byte, tenant string, opts Options) (*Report, error) {
	tree, f, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	exp := readExport(tree, f)
	if len(exp.Templates) == 0 {
		return nil, invalidf("zabbix_export.templates", "holds no template: export templates, not hosts")
	}
	if opts.Address == "" {
		opts.Address = DefaultAddress
	}
	rep := &Report{Version: exp.Version, Format: f}
	var done, total int
	for i, zt := range exp.Templates {
		if strings.TrimSpace(zt.Name) == "" {
			return nil, invalidf(fmt.Sprintf("zabbix_export.templates[%d].template", i), "is required: the template's technical name")
		}
		tr := translateTemplate(exp, zt, tenant, opts)
		for _, e := range tr.Translated {
			if counted[e.Kind] {
				done++
			}
		}
		total += tr.Counted
		rep.Templates = append(rep.Templates, tr)
	}
	rep.Counted, rep.Rate = total, rate(done, total)
	return rep, nil
}

func rate(done, total int) float64 {
	if total == 0 {
		return 100
	}
	return math.Round(1000*float64(done)/float64(total)) / 10
}

// importer translates one template.
type importer struct {
	exp    *Export
	zt     *ZTemplate
	opts   Options
	macros macros
	rep    *TemplateReport
	items  map[string]*importedItem // by Zabbix key
	names  map[string]bool          // unyo item names taken
	// valueMaps are the value maps already reported.
	valueMaps map[string]bool
}

// importedItem is an item translated, kept for its triggers.
type importedItem struct {
	z        *ZItem
	unyo     *monitoring.Item
	interval time.Duration
	selector string
	perSec   bool    // CHANGE_PER_SECOND: stored raw, read through rate()
	factor   float64 // MULTIPLIER: applied where it is read; 1 when none
}

func translateTemplate(exp *Export, zt *ZTemplate, tenant string, opts Options) TemplateReport {
	im := &importer{exp: exp, zt: zt, opts: opts, macros: macros{}, items: map[string]*importedItem{}, names: map[string]bool{}, valueMaps: map[string]bool{},
		rep: &TemplateReport{Name: zt.Name, Translated: []Entry{}, Untranslated: []Entry{}, Macros: append([]Macro{}, zt.Macros...)}}
	for _, m := range zt.Macros {
		im.macros[m.Name] = m.Value
	}
	t := &monitoring.Template{TenantID: tenant, Name: truncate(zt.Name, 200), Title: monitoring.Text{En: truncate(zt.VisibleName, 200), Ja: truncate(zt.VisibleName, 200)},
		Description: strings.TrimSpace("Imported from a Zabbix " + exp.Version + " export. " + zt.Description)}
	if len(t.Description) > 10000 {
		t.Description = t.Description[:10000]
	}
	for _, zi := range zt.Items {
		if it := im.item(zi); it != nil {
			t.Items = append(t.Items, it)
		}
	}
	for _, tr := range im.triggers() {
		t.Items = append(t.Items, tr)
	}
	for _, d := range zt.Discovery {
		im.skip("discovery_rule", d.Name, d.Key, fmt.Sprintf("low-level discovery has no unyo counterpart: add one zabbix item per discovered %s (prototypes: %d)", discovered(d.Key), d.Prototypes))
	}
	for _, w := range zt.WebTests {
		im.skip("web_scenario", w, "", "a web scenario runs on the Zabbix server: write a check item of kind http for each step")
	}
	for _, g := range zt.Graphs {
		im.skip("graph", g, "", "graphs are not monitoring: chart the series in the console or Grafana")
	}
	if t.Items == nil {
		t.Items = []*monitoring.Item{}
	}
	im.rep.Template = t
	n, done := 0, 0
	for _, e := range im.rep.Translated {
		if counted[e.Kind] {
			n, done = n+1, done+1
		}
	}
	for _, e := range im.rep.Untranslated {
		if counted[e.Kind] {
			n++
		}
	}
	im.rep.Counted, im.rep.Rate = n, rate(done, n)
	return *im.rep
}

func discovered(key string) string {
	switch {
	case strings.HasPrefix(key, "vfs.fs"):
		return "filesystem (vfs.fs.size[/data,pused])"
	case strings.HasPrefix(key, "net.if"):
		return "interface (net.if.in[eth1])"
	case strings.HasPrefix(key, "service"):
		return "service"
	}
	return "object"
}

func (im *importer) skip(kind, name, source, reason string) {
	im.rep.Untranslated = append(im.rep.Untranslated, Entry{Kind: kind, Name: name, Source: source, Reason: reason})
}

func (im *importer) done(kind, name, source, item, note string) {
	im.rep.Translated = append(im.rep.Translated, Entry{Kind: kind, Name: name, Source: source, Item: item, Note: note})
}

// itemTypeReasons say why an item of a type other than the agent's is not
// translated, and what to use instead.
var itemTypeReasons = map[string]string{
	"SNMPV1": "an SNMP item: unyo's SNMP polling is separate from this importer", "SNMPV2": "an SNMP item: unyo's SNMP polling is separate from this importer",
	"SNMPV3": "an SNMP item: unyo's SNMP polling is separate from this importer", "SNMP_AGENT": "an SNMP item: unyo's SNMP polling is separate from this importer",
	"SNMP_TRAP":  "an SNMP trap item: unyo's SNMP part receives traps",
	"TRAP":       "a trapper item takes values pushed with zabbix_sender: push them to unyo by remote write",
	"SIMPLE":     "a simple check runs on the Zabbix server: write a check item (tcp or http)",
	"INTERNAL":   "an internal item of the Zabbix server: unyo watches its agents with no-data items",
	"DEPENDENT":  "a dependent item is computed from its master item by preprocessing, which unyo does not run",
	"CALCULATED": "a calculated item: write its formula as a metric item's PromQL",
	"AGGREGATE":  "an aggregate item: write it as a metric item's PromQL (sum by ...)",
	"HTTP_AGENT": "an HTTP agent item runs on the Zabbix server: write a check item (http) or scrape an exporter",
	"JMX":        "a JMX item needs the Java gateway: scrape the JMX exporter (built-in template tomcat)",
	"EXTERNAL":   "an external check runs a script on the Zabbix server",
	"ODBC":       "a database monitor item: scrape a database exporter (built-in templates postgresql, sqlserver)",
	"IPMI":       "an IPMI item: not supported",
	"SSH":        "an SSH agent item runs commands from the Zabbix server: not supported",
	"TELNET":     "a TELNET agent item: not supported",
	"SCRIPT":     "a script item runs JavaScript on the Zabbix server: not supported",
	"BROWSER":    "a browser item runs on the Zabbix server: write a check item (http)",
	"HTTP_TEST":  "a web scenario item",
}

// harmless preprocessing steps: unyo stores every value, unchanged or not.
var harmless = map[string]bool{"DISCARD_UNCHANGED": true, "DISCARD_UNCHANGED_HEARTBEAT": true, "CHECK_NOT_SUPPORTED": true}

// item translates one Zabbix item into a zabbix item, or lists why not.
func (im *importer) item(zi *ZItem) *monitoring.Item {
	title := itemTitle(zi)
	if zi.Type != "ZABBIX_PASSIVE" && zi.Type != "ZABBIX_ACTIVE" {
		reason, ok := itemTypeReasons[zi.Type]
		if !ok {
			reason = "item type " + zi.Type + " has no unyo counterpart"
		}
		im.skip("item", title, zi.Key, reason)
		return nil
	}
	key, _, missing := im.macros.expand(zi.Key)
	if len(missing) > 0 {
		im.skip("item", title, zi.Key, fmt.Sprintf("the key uses %s, which has no default", strings.Join(missing, ", ")))
		return nil
	}
	k, err := zabbix.ParseKey(key)
	if err != nil {
		im.skip("item", title, zi.Key, "the key does not parse: "+err.Error())
		return nil
	}
	if zabbix.ActiveOnly(k) {
		im.skip("item", title, zi.Key, "collected only by an active check (log, event log): watch the file with a log item of the unyo agent")
		return nil
	}
	switch zi.ValueType {
	case "FLOAT", "UNSIGNED":
	default:
		im.skip("item", title, zi.Key, "a "+strings.ToLower(zi.ValueType)+" value: unyo stores numbers as series, not text")
		return nil
	}
	var notes []string
	ii := &importedItem{z: zi, factor: 1}
	for _, st := range zi.Preprocessing {
		switch {
		case st.Type == "CHANGE_PER_SECOND":
			ii.perSec = true
			notes = append(notes, "change per second: the counter is stored, triggers read rate()")
		case st.Type == "MULTIPLIER" && len(st.Params) > 0:
			f, err := number(strings.TrimSpace(st.Params[0]))
			if err != nil {
				im.skip("item", title, zi.Key, "the multiplier "+st.Params[0]+" is not a number")
				return nil
			}
			ii.factor = f
			notes = append(notes, "multiplier "+num(f)+": the raw value is stored, triggers multiply")
		case harmless[st.Type]:
		default:
			im.skip("item", title, zi.Key, "preprocessing "+st.Type+" is not run by unyo: the value stored would differ")
			return nil
		}
	}
	every, note, err := im.interval(zi.Delay)
	if err != nil {
		im.skip("item", title, zi.Key, err.Error())
		return nil
	}
	if note != "" {
		notes = append(notes, note)
	}
	if zi.Type == "ZABBIX_ACTIVE" {
		notes = append(notes, "an active check in Zabbix: unyo polls it (the agent's Server= must list unyo)")
	}
	desc := zi.Description
	vm, withMap := im.exp.ValueMaps[zi.ValueMap]
	if withMap && zi.ValueMap != "" {
		desc = strings.TrimSpace(desc + "\n\nValue map " + zi.ValueMap + ": " + valueMapText(vm))
	}
	it := &monitoring.Item{
		Name: im.name(k.String(), "item"), Title: monitoring.Text{En: title, Ja: title}, Kind: monitoring.KindZabbix,
		Description: truncate(desc, 10000), Interval: model.Duration(every),
		Zabbix: &monitoring.Zabbix{Address: im.opts.Address, Key: k.String()},
	}
	if it.Interval == model.Duration(monitoring.ZabbixInterval) {
		it.Interval = 0 // the default, shown as such in the item list
	}
	if err := it.Validate(); err != nil {
		im.names[it.Name] = false
		im.skip("item", title, zi.Key, "the translated item is refused: "+err.Error())
		return nil
	}
	if withMap && zi.ValueMap != "" && !im.valueMaps[zi.ValueMap] {
		im.valueMaps[zi.ValueMap] = true
		im.done("value_map", zi.ValueMap, valueMapText(vm), "", "written into the description of the items that use it")
	}
	ii.unyo, ii.interval = it, every
	ii.selector = zabbix.SeriesOf(k).Selector()
	im.items[zi.Key] = ii
	im.items[k.String()] = ii
	im.done("item", title, zi.Key, it.Name, strings.Join(notes, "; "))
	return it
}

// interval reads an item's delay: seconds (3.0), a time (4.0+), a macro, or
// flexible intervals after a ";" (the first part is kept).
func (im *importer) interval(delay string) (time.Duration, string, error) {
	d, _, missing := im.macros.expand(delay)
	if len(missing) > 0 {
		return 0, "", fmt.Errorf("the interval uses %s, which has no default", strings.Join(missing, ", "))
	}
	note := ""
	if base, _, ok := strings.Cut(d, ";"); ok {
		d, note = base, "flexible and scheduling intervals dropped: polled every "+base
	}
	every, err := duration(d)
	if err != nil {
		return 0, "", fmt.Errorf("the interval %q is not a time", delay)
	}
	if every == 0 {
		return 0, "", fmt.Errorf("an interval of 0 polls only on a flexible schedule, which unyo does not have")
	}
	if every > 24*time.Hour {
		return 0, "", fmt.Errorf("an interval of %v is over unyo's 24h", every)
	}
	return every, note, nil
}

// itemTitle is the item's name with $1, $2 ... filled from its key, as
// Zabbix before 4.4 shows them.
func itemTitle(zi *ZItem) string {
	title := zi.Name
	if !strings.Contains(title, "$") {
		return truncate(title, 200)
	}
	if k, err := zabbix.ParseKey(zi.Key); err == nil {
		for i := len(k.Params); i >= 1; i-- {
			title = strings.ReplaceAll(title, fmt.Sprintf("$%d", i), k.Params[i-1])
		}
	}
	return truncate(title, 200)
}

func valueMapText(ms []Mapping) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		parts = append(parts, m.Value+"="+m.NewValue)
	}
	return strings.Join(parts, ", ")
}

var nameRE = regexp.MustCompile(`[^a-z0-9._-]+`)

// hostMacroRE finds the host macros of trigger names, which unyo's titles
// do without: the alert names its host.
var hostMacroRE = regexp.MustCompile(`(?i)\s*\b(on|of|at|for)\s+(server\s+|host\s+)?\{HOST\.(NAME|HOST)\}|\{HOST\.(NAME|HOST)\}\s*|\{HOSTNAME\}\s*`)

// triggerTitle is a trigger's name with its user macros filled, as Zabbix
// shows it, and without its host macros.
func (im *importer) triggerTitle(name string) string {
	name, _, _ = im.macros.expand(name)
	t := strings.TrimSpace(hostMacroRE.ReplaceAllString(name, ""))
	if t == "" {
		t = name
	}
	return truncate(t, 200)
}

// name makes a unique unyo item name from s: lower case, other characters
// as "-", at most 63 bytes.
func (im *importer) name(s, fallback string) string {
	n := strings.Trim(nameRE.ReplaceAllString(strings.ToLower(s), "-"), "-._")
	if n == "" {
		n = fallback
	}
	n = truncate(n, 58)
	n = strings.TrimRight(n, "-._")
	base := n
	for i := 2; im.names[n]; i++ {
		n = fmt.Sprintf("%s-%d", base, i)
	}
	im.names[n] = true
	return n
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func num(v float64) string { return fmt.Sprint(v) }
