// Package template imports Zabbix template exports (XML, JSON or YAML, from
// Zabbix 3.0 to 7.0) into unyo's monitoring design: items become zabbix
// items polled from the host's Zabbix agent, triggers become metric and
// no-data items with thresholds, macros give their defaults, and what
// cannot be translated is listed by name with the reason.
package template

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/unyo-ops/unyo/internal/invalid"
)

// MaxExport bounds the size of an export the importer reads: Zabbix's
// largest official templates are under 1 MiB.
const MaxExport = 8 << 20

// node is an export as a tree, whatever its format: map[string]any for an
// object, []any for a list, string for a value.
type node = any

// Format names the syntax of an export.
type Format string

// The formats Zabbix exports.
const (
	FormatXML  Format = "xml"
	FormatJSON Format = "json"
	FormatYAML Format = "yaml"
)

// Sniff tells the format from the first non-blank byte: < is XML, { JSON,
// anything else YAML (Zabbix 5.4+'s default).
func Sniff(data []byte) Format {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	switch {
	case bytes.HasPrefix(t, []byte("<")):
		return FormatXML
	case bytes.HasPrefix(t, []byte("{")):
		return FormatJSON
	}
	return FormatYAML
}

// parseTree reads data into a tree and returns the zabbix_export object.
func parseTree(data []byte) (map[string]node, Format, error) {
	if len(data) > MaxExport {
		return nil, "", invalid.New("body", "an export of %d bytes is over the bound of %d", len(data), MaxExport)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	f := Sniff(data)
	var root node
	var err error
	switch f {
	case FormatXML:
		root, err = parseXML(data)
	case FormatJSON:
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		err = dec.Decode(&root)
	default:
		var v any
		err = yaml.Unmarshal(data, &v)
		root = normalizeYAML(v)
	}
	if err != nil {
		return nil, f, invalid.New("body", "is not a Zabbix export in %s: %v", f, err)
	}
	m, _ := root.(map[string]node)
	exp, ok := m["zabbix_export"].(map[string]node)
	if !ok {
		return nil, f, invalid.New("zabbix_export", "is missing: this is not a Zabbix export (Data collection → Templates → Export)")
	}
	return exp, f, nil
}

// normalizeYAML turns YAML's scalars into strings, as XML gives them.
func normalizeYAML(v any) node {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalizeYAML(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalizeYAML(e)
		}
		return x
	case nil:
		return ""
	default:
		return fmt.Sprint(x)
	}
}

// listTags are XML containers whose children are a list even when there is
// one child or none; any container whose children share the name that its
// own name is the plural of is a list too (items/item, value_maps/value_map).
var listTags = map[string]bool{"preprocessing": true, "dependencies": true, "parameters": true, "steps": true}

// parseXML reads an XML export into a tree.
func parseXML(data []byte) (node, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok {
			v, err := xmlElement(dec, se.Name.Local, 0)
			if err != nil {
				return nil, err
			}
			return map[string]node{se.Name.Local: v}, nil
		}
	}
}

type xmlChild struct {
	name string
	v    node
}

// maxDepth bounds the nesting of an export; Zabbix's own is under 10.
const maxDepth = 32

func xmlElement(dec *xml.Decoder, name string, depth int) (node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d elements", maxDepth)
	}
	var text strings.Builder
	var kids []xmlChild
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := xmlElement(dec, t.Name.Local, depth+1)
			if err != nil {
				return nil, err
			}
			kids = append(kids, xmlChild{t.Name.Local, v})
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			return xmlValue(name, kids, text.String()), nil
		}
	}
}

func xmlValue(name string, kids []xmlChild, text string) node {
	if len(kids) == 0 {
		return text // an empty container reads as "", which list reads as none
	}
	same := true
	for _, k := range kids {
		same = same && k.name == kids[0].name
	}
	if same && (listTags[name] || name == kids[0].name+"s" || len(kids) > 1) {
		out := make([]any, len(kids))
		for i, k := range kids {
			out[i] = k.v
		}
		return out
	}
	m := make(map[string]node, len(kids))
	for _, k := range kids {
		m[k.name] = k.v
	}
	return m
}

// Accessors that read a tree leniently: a missing or odd field is empty.

func str(m map[string]node, key string) string {
	switch v := m[key].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

func obj(m map[string]node, key string) map[string]node {
	o, _ := m[key].(map[string]node)
	return o
}

// list reads a list field; a lone object (JSON from old exports, or an XML
// container of one child under an unusual name) is a list of one.
func list(m map[string]node, key string) []map[string]node {
	var out []map[string]node
	switch v := m[key].(type) {
	case []any:
		for _, e := range v {
			if o, ok := e.(map[string]node); ok {
				out = append(out, o)
			}
		}
	case map[string]node:
		// XML: <items><item>…</item></items> with a container named otherwise.
		if len(v) == 1 {
			for _, inner := range v {
				if o, ok := inner.(map[string]node); ok {
					return []map[string]node{o}
				}
				if l, ok := inner.([]any); ok {
					return list(map[string]node{key: l}, key)
				}
			}
		}
		out = append(out, v)
	}
	return out
}
