package remotewrite

import (
	"errors"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/unyo-ops/unyo/internal/metricstore"
)

// The confirmation of a cache hit: the cache finds an entry by a hash of
// the raw label bytes, which a tenant can make collide at will, so an entry
// is taken for a series only once its stored label set is seen to be
// exactly what the series would be stored as (matches).

// rawField is where one label field of Series.Raw keeps its name and value:
// raw[name:nameEnd] and raw[value:end].
type rawField struct {
	name, nameEnd, value, end int32
}

// confirmScratch is the space matchesRaw works in, kept with a request's
// work so that a confirmation allocates nothing.
type confirmScratch struct {
	fields []rawField
	labels []Label // the decoded labels, for the label fields not indexed
}

// matchesRaw is matches for the label fields raw (Series.Raw): a series the
// cache knows needs no labels of its own (Request.lazy). The
// names and values are compared in place in raw, where each label field
// is written as every known encoder writes it (indexRaw); other label
// fields are decoded first, and those that do not decode do not match.
func matchesRaw(lset labels.Labels, tenant string, raw []byte, sc *confirmScratch) bool {
	fields, ok := indexRaw(raw, sc.fields[:0])
	sc.fields = fields
	if ok {
		return matchesFields(lset, tenant, raw, fields)
	}
	ls := sc.labels[:0]
	for i := 0; i < len(raw); {
		// Raw holds label fields only: tag 0x0a, then the length.
		body, end, err := lenDelim(raw, i+1, wireBytes)
		if raw[i] != 0x0a || err != nil {
			return false
		}
		l, err := decodeLabel(body)
		if err != nil {
			return false
		}
		ls = append(ls, l)
		i = end
	}
	sc.labels = ls
	return matches(lset, tenant, ls)
}

// indexRaw appends to fields where each label field of raw keeps its name
// and value, and reports whether every field is a Label message of a name
// field then a value field, once each: what decodeLabel decodes to the
// same name and value, and what every known encoder writes. It reports
// false for anything else, and for more than 64 fields (more than matches
// takes).
func indexRaw(raw []byte, fields []rawField) ([]rawField, bool) {
	if len(raw) > 1<<30 {
		return fields, false // offsets fit in an int32
	}
	for i := 0; i < len(raw); {
		f, ok := fieldAt(raw, i)
		if !ok || len(fields) == 64 {
			return fields, false
		}
		fields = append(fields, f)
		i = int(f.end)
	}
	return fields, true
}

// fieldAt reads the label field at raw[i:], i < len(raw), as indexRaw
// takes it.
func fieldAt(raw []byte, i int) (rawField, bool) {
	// Names and values shorter than 128 bytes: one byte of length each.
	if i+4 <= len(raw) && raw[i] == 0x0a && raw[i+2] == 0x0a && raw[i+1] < 0x80 && raw[i+3] < 0x80 {
		end := i + 2 + int(raw[i+1])
		name := i + 4
		nameEnd := name + int(raw[i+3])
		if end <= len(raw) && nameEnd+2 <= end && raw[nameEnd] == 0x12 && raw[nameEnd+1] < 0x80 && nameEnd+2+int(raw[nameEnd+1]) == end {
			return rawField{int32(name), int32(nameEnd), int32(nameEnd + 2), int32(end)}, true
		}
	}
	return fieldAtSlow(raw, i)
}

// fieldAtSlow is fieldAt for lengths of more than one byte, and for label
// fields it does not take.
func fieldAtSlow(raw []byte, i int) (rawField, bool) {
	if raw[i] != 0x0a {
		return rawField{}, false
	}
	body, end, err := lenDelim(raw, i+1, wireBytes)
	if err != nil || len(body) == 0 || body[0] != 0x0a {
		return rawField{}, false
	}
	start := end - len(body) // body's offset in raw
	name, nameEnd, err := lenDelim(body, 1, wireBytes)
	if err != nil || nameEnd == len(body) || body[nameEnd] != 0x12 {
		return rawField{}, false
	}
	value, valueEnd, err := lenDelim(body, nameEnd+1, wireBytes)
	if err != nil || valueEnd != len(body) {
		return rawField{}, false
	}
	return rawField{
		name:    int32(start + nameEnd - len(name)),
		nameEnd: int32(start + nameEnd),
		value:   int32(end - len(value)),
		end:     int32(end),
	}, true
}

// errDiffer stops the walk of a stored label set at the first label that
// the request's series does not have.
var errDiffer = errors.New("the label sets differ")

// matchesFields is matches for the label fields of raw that indexRaw
// found, compared in place.
func matchesFields(lset labels.Labels, tenant string, raw []byte, fields []rawField) bool {
	var taken uint64
	next, n := 0, 0
	tenantSeen := false
	err := lset.Validate(func(l labels.Label) error {
		if !tenantSeen && l.Name == metricstore.TenantLabel {
			tenantSeen = true
			if l.Value != tenant {
				return errDiffer
			}
			return nil
		}
		for j, k := next, 0; k < len(fields); j, k = j+1, k+1 {
			if j == len(fields) {
				j = 0
			}
			f := &fields[j]
			// The lengths, then the first bytes, before a call to compare:
			// most names looked at past the first differ in either. (A
			// stored name is never empty, but the walk does not count on it.)
			if taken&(1<<j) == 0 && int(f.nameEnd-f.name) == len(l.Name) && (len(l.Name) == 0 || raw[f.name] == l.Name[0]) && string(raw[f.name:f.nameEnd]) == l.Name {
				if string(raw[f.value:f.end]) != l.Value {
					return errDiffer
				}
				taken |= 1 << j
				next, n = j+1, n+1
				return nil
			}
		}
		return errDiffer
	})
	return err == nil && tenantSeen && n == len(fields)
}

// matches reports whether lset is exactly what tenantLabels builds of ls
// for tenant, without building it: each label of lset but one tenant label
// naming tenant must take a label of ls of the same name and value, none
// twice, and every label of ls must be taken. As lset's names are distinct,
// that only holds when ls's names are distinct and none is the tenant label
// (a client's own is stored renamed: such a series is built every time).
// ls may come in any order; in lset's (sorted, as Prometheus sends) each
// label is found at the first place looked.
func matches(lset labels.Labels, tenant string, ls []Label) bool {
	if len(ls) > 64 {
		return false // more than the bitmap holds: built instead
	}
	var taken uint64
	next, n := 0, 0
	ok, tenantSeen := true, false
	lset.Range(func(l labels.Label) {
		if !ok {
			return
		}
		if !tenantSeen && l.Name == metricstore.TenantLabel {
			tenantSeen = true
			ok = l.Value == tenant
			return
		}
		for j, k := next, 0; k < len(ls); j, k = j+1, k+1 {
			if j == len(ls) {
				j = 0
			}
			if taken&(1<<j) == 0 && string(ls[j].Name) == l.Name {
				taken |= 1 << j
				ok = string(ls[j].Value) == l.Value
				next, n = j+1, n+1
				return
			}
		}
		ok = false
	})
	return ok && tenantSeen && n == len(ls)
}
