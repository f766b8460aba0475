package template

import (
	"strings"
)

// Export is a Zabbix export read into the parts the importer translates.
type Export struct {
	Version   string // 3.0, 4.0, ..., 7.0
	Format    Format
	Templates []*ZTemplate
	// Triggers are the triggers of the export's top level: in 3.0 to 5.2
	// every trigger; from 5.4 those over more than one item.
	Triggers  []*ZTrigger
	ValueMaps map[string][]Mapping // 3.0 to 5.2: the export's; 5.4+: each template's, merged
}

// ZTemplate is one template of an export.
type ZTemplate struct {
	Name        string // the technical name: Template OS Linux, Linux by Zabbix agent
	VisibleName string
	Description string
	Items       []*ZItem
	Triggers    []*ZTrigger // trigger of one item, held under it from 5.4, gathered here
	Macros      []Macro
	Discovery   []Discovery
	WebTests    []string
	Graphs      []string
}

// ZItem is one item of a template.
type ZItem struct {
	Name          string
	Key           string
	Type          string // normalized: ZABBIX_PASSIVE, ZABBIX_ACTIVE, SNMP, ...
	Delay         string
	ValueType     string // normalized: FLOAT, UNSIGNED, CHAR, LOG, TEXT, BINARY
	Units         string
	ValueMap      string
	Description   string
	Preprocessing []Step
}

// Step is one preprocessing step.
type Step struct {
	Type   string // normalized: MULTIPLIER, CHANGE_PER_SECOND, ...
	Params []string
}

// ZTrigger is one trigger.
type ZTrigger struct {
	Name               string
	Expression         string
	RecoveryMode       string // EXPRESSION (default), RECOVERY_EXPRESSION, NONE
	RecoveryExpression string
	Priority           string // NOT_CLASSIFIED, INFO, WARNING, AVERAGE, HIGH, DISASTER
	Description        string
	Status             string // DISABLED when off
}

// Macro is a user macro with its default.
type Macro struct {
	Name        string `json:"macro"` // {$CPU.UTIL.CRIT}
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}

// Mapping is one entry of a value map.
type Mapping struct{ Value, NewValue string }

// Discovery is a low-level discovery rule: unyo has none.
type Discovery struct {
	Name, Key  string
	Prototypes int
}

// Codes of 3.0-5.2 exports, numeric, by the names 5.4+ writes.
var (
	itemTypes = map[string]string{
		"0": "ZABBIX_PASSIVE", "1": "SNMPV1", "2": "TRAP", "3": "SIMPLE", "4": "SNMPV2", "5": "INTERNAL",
		"6": "SNMPV3", "7": "ZABBIX_ACTIVE", "8": "AGGREGATE", "9": "HTTP_TEST", "10": "EXTERNAL",
		"11": "ODBC", "12": "IPMI", "13": "SSH", "14": "TELNET", "15": "CALCULATED", "16": "JMX",
		"17": "SNMP_TRAP", "18": "DEPENDENT", "19": "HTTP_AGENT", "20": "SNMP_AGENT", "21": "SCRIPT", "22": "BROWSER",
	}
	valueTypes = map[string]string{"0": "FLOAT", "1": "CHAR", "2": "LOG", "3": "UNSIGNED", "4": "TEXT", "5": "BINARY"}
	priorities = map[string]string{"0": "NOT_CLASSIFIED", "1": "INFO", "2": "WARNING", "3": "AVERAGE", "4": "HIGH", "5": "DISASTER"}
	recovery   = map[string]string{"0": "EXPRESSION", "1": "RECOVERY_EXPRESSION", "2": "NONE"}
	stepTypes  = map[string]string{
		"1": "MULTIPLIER", "2": "RTRIM", "3": "LTRIM", "4": "TRIM", "5": "REGEX", "6": "BOOL_TO_DECIMAL",
		"7": "OCTAL_TO_DECIMAL", "8": "HEX_TO_DECIMAL", "9": "SIMPLE_CHANGE", "10": "CHANGE_PER_SECOND",
		"11": "XMLPATH", "12": "JSONPATH", "13": "IN_RANGE", "14": "MATCHES_REGEX", "15": "NOT_MATCHES_REGEX",
		"16": "CHECK_JSON_ERROR", "17": "CHECK_XML_ERROR", "18": "CHECK_REGEX_ERROR", "19": "DISCARD_UNCHANGED",
		"20": "DISCARD_UNCHANGED_HEARTBEAT", "21": "JAVASCRIPT", "22": "PROMETHEUS_PATTERN", "23": "PROMETHEUS_TO_JSON",
		"24": "CSV_TO_JSON", "25": "STR_REPLACE", "26": "CHECK_NOT_SUPPORTED", "27": "XML_TO_JSON", "28": "SNMP_WALK_VALUE",
		"29": "SNMP_WALK_TO_JSON", "30": "SNMP_GET_VALUE",
	}
)

// code reads a field that is a number before 5.4 and a name since.
func code(v string, table map[string]string, def string) string {
	v = strings.TrimSpace(v)
	if v == "" {
		return def
	}
	if name, ok := table[v]; ok {
		return name
	}
	return strings.ToUpper(v)
}

// readExport reads the tree of an export.
func readExport(exp map[string]node, f Format) *Export {
	e := &Export{Version: str(exp, "version"), Format: f, ValueMaps: map[string][]Mapping{}}
	readValueMaps(e.ValueMaps, list(exp, "value_maps"))
	for _, tm := range list(exp, "templates") {
		t := &ZTemplate{Name: str(tm, "template"), VisibleName: str(tm, "name"), Description: str(tm, "description")}
		if t.VisibleName == "" {
			t.VisibleName = t.Name
		}
		for _, im := range list(tm, "items") {
			it := readItem(im)
			t.Items = append(t.Items, it)
			for _, tr := range list(im, "triggers") {
				t.Triggers = append(t.Triggers, readTrigger(tr))
			}
		}
		for _, mm := range list(tm, "macros") {
			t.Macros = append(t.Macros, Macro{Name: str(mm, "macro"), Value: str(mm, "value"), Description: str(mm, "description")})
		}
		for _, dm := range list(tm, "discovery_rules") {
			t.Discovery = append(t.Discovery, Discovery{Name: str(dm, "name"), Key: str(dm, "key"),
				Prototypes: len(list(dm, "item_prototypes")) + len(list(dm, "trigger_prototypes"))})
		}
		for _, w := range append(list(tm, "httptests"), list(tm, "http_tests")...) {
			t.WebTests = append(t.WebTests, str(w, "name"))
		}
		for _, g := range list(tm, "graphs") {
			t.Graphs = append(t.Graphs, str(g, "name"))
		}
		readValueMaps(e.ValueMaps, list(tm, "valuemaps")) // 5.4+
		e.Templates = append(e.Templates, t)
	}
	for _, tr := range list(exp, "triggers") {
		e.Triggers = append(e.Triggers, readTrigger(tr))
	}
	return e
}

func readItem(im map[string]node) *ZItem {
	it := &ZItem{
		Name: str(im, "name"), Key: str(im, "key"), Delay: str(im, "delay"), Units: str(im, "units"),
		Description: str(im, "description"),
		Type:        code(str(im, "type"), itemTypes, "ZABBIX_PASSIVE"),
		// A 5.4+ export leaves out the default: UNSIGNED (3.0-5.2 always write it).
		ValueType: code(str(im, "value_type"), valueTypes, "UNSIGNED"),
	}
	if it.Delay == "" {
		it.Delay = "1m" // 5.4+ leaves out the default
	}
	// 3.0-3.2: the multiplier and the delta were fields of the item.
	if str(im, "multiplier") == "1" && str(im, "formula") != "" {
		it.Preprocessing = append(it.Preprocessing, Step{Type: "MULTIPLIER", Params: []string{str(im, "formula")}})
	}
	switch str(im, "delta") {
	case "1":
		it.Preprocessing = append(it.Preprocessing, Step{Type: "CHANGE_PER_SECOND"})
	case "2":
		it.Preprocessing = append(it.Preprocessing, Step{Type: "SIMPLE_CHANGE"})
	}
	if vm := obj(im, "valuemap"); vm != nil {
		it.ValueMap = str(vm, "name")
	}
	for _, sm := range list(im, "preprocessing") {
		st := Step{Type: code(str(sm, "type"), stepTypes, "")}
		params := sm["params"]
		if _, ok := sm["parameters"]; ok {
			params = sm["parameters"] // 5.4+
		}
		switch p := params.(type) {
		case string: // 3.4-5.2: one text, parameters on lines
			if p != "" {
				st.Params = strings.Split(p, "\n")
			}
		case []any: // 5.4+: a list (XML: <parameters><parameter>)
			for _, x := range p {
				st.Params = append(st.Params, strings.TrimSpace(anyString(x)))
			}
		}
		it.Preprocessing = append(it.Preprocessing, st)
	}
	return it
}

func anyString(x any) string {
	if s, ok := x.(string); ok {
		return s
	}
	return ""
}

func readTrigger(tr map[string]node) *ZTrigger {
	t := &ZTrigger{
		Name: str(tr, "name"), Expression: str(tr, "expression"), RecoveryExpression: str(tr, "recovery_expression"),
		RecoveryMode: code(str(tr, "recovery_mode"), recovery, "EXPRESSION"),
		Priority:     code(str(tr, "priority"), priorities, "NOT_CLASSIFIED"),
		Description:  str(tr, "description"), Status: code(str(tr, "status"), map[string]string{"0": "ENABLED", "1": "DISABLED"}, "ENABLED"),
	}
	if t.Description == "" {
		t.Description = str(tr, "comments") // 3.0-5.2
	}
	return t
}

func readValueMaps(dst map[string][]Mapping, maps []map[string]node) {
	for _, vm := range maps {
		var ms []Mapping
		for _, m := range list(vm, "mappings") {
			ms = append(ms, Mapping{Value: str(m, "value"), NewValue: str(m, "newvalue")})
		}
		dst[str(vm, "name")] = ms
	}
}
