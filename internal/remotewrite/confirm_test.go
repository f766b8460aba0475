package remotewrite

import (
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
)

// rawOf is Series.Raw for pairs, each label field encoded as prompb does.
func rawOf(pairs ...string) []byte {
	var raw []byte
	for i := 0; i+1 < len(pairs); i += 2 {
		raw = append(raw, label(pairs[i], pairs[i+1])...)
	}
	return raw
}

// TestMatchesRaw: a hit is confirmed from the raw label bytes, in place or
// decoded, exactly when the stored label set is what the series would be
// stored as, however its label fields are written; label fields that do
// not decode never confirm one.
func TestMatchesRaw(t *testing.T) {
	long := strings.Repeat("v", 300) // lengths of two bytes
	stored := built(t, "acme", "__name__", "up", "instance", "a:9100", "job", long)
	f := func(tenant string, want bool, raw []byte) {
		t.Helper()
		var sc confirmScratch
		if got := matchesRaw(stored, tenant, raw, &sc); got != want {
			t.Errorf("matchesRaw(%s, %q, %x) = %v, want %v", stored, tenant, raw, got, want)
		}
	}
	name, inst, job := label("__name__", "up"), label("instance", "a:9100"), label("job", long)
	f("acme", true, cat(name, inst, job))
	f("acme", true, cat(job, inst, name)) // in any order
	f("globex", false, cat(name, inst, job))
	f("acme", false, cat(name, inst))
	f("acme", false, cat(name, inst, job, label("zone", "a")))
	f("acme", false, cat(name, inst, job, inst))
	f("acme", false, cat(name, inst, job, label("tenant", "acme")))
	f("acme", false, cat(name, label("instance", "a:9101"), job))
	f("acme", false, cat(name, label("instancf", "a:9100"), job))
	f("acme", false, nil)

	// Label messages written otherwise than name then value, once each:
	// decoded (value first, an unknown field, a field twice: the last one
	// counts), or refused (truncated).
	valueFirst := lenField(fieldLabels, cat(lenField(fieldValue, []byte("up")), lenField(fieldName, []byte("__name__"))))
	f("acme", true, cat(valueFirst, inst, job))
	unknownField := lenField(fieldLabels, cat(lenField(fieldName, []byte("__name__")), lenField(fieldValue, []byte("up")), varintField(7, 1)))
	f("acme", true, cat(unknownField, inst, job))
	twice := lenField(fieldLabels, cat(lenField(fieldName, []byte("__name__")), lenField(fieldValue, []byte("down")), lenField(fieldValue, []byte("up"))))
	f("acme", true, cat(twice, inst, job))
	noValue := lenField(fieldLabels, lenField(fieldName, []byte("__name__")))
	f("acme", false, cat(noValue, inst, job))
	whole := cat(name, inst, job)
	f("acme", false, whole[:len(whole)-1])
	f("acme", false, cat(whole, []byte{0x0a}))
	f("acme", false, cat(whole, []byte{0x12, 0x00}))

	// The client's own tenant label is stored as exported_tenant: such a
	// series is never confirmed, and is built every time.
	renamed := built(t, "acme", "__name__", "up", "tenant", "globex")
	var sc confirmScratch
	if matchesRaw(renamed, "acme", rawOf("__name__", "up", "tenant", "globex"), &sc) {
		t.Errorf("%s confirmed for a series with its own tenant label", renamed)
	}
}

// FuzzMatchesRaw holds matchesRaw to what the cache needs of it: whenever
// it confirms the label set stored for one series for the raw label fields
// of another, those fields decode (Series.decodeLabels) to labels stored
// as the same label set, so that a hash collision in the cache can never
// put a sample on another series; and it agrees with matches on the
// decoded labels, so that a series the cache knows is found whatever the
// encoding of its labels. The raw fields are the fuzzer's own bytes, and
// the encoding of sent's pairs as prompb writes them.
func FuzzMatchesRaw(f *testing.F) {
	f.Add("__name__\x00up\x00job\x00node", "__name__\x00up\x00job\x00node", "acme", []byte(nil))
	f.Add("__name__\x00up\x00job\x00node", "job\x00node\x00__name__\x00up", "acme", rawOf("job", "node", "__name__", "up"))
	f.Add("__name__\x00up\x00tenant\x00x", "__name__\x00up\x00exported_tenant\x00x", "acme", rawOf("__name__", "up", "tenant", "x"))
	f.Add("a\x00b", "a\x00b\x00tenant\x00acme", "acme", cat(label("a", "b"), []byte{0x0a, 0x02, 0x12, 0x00}))
	f.Add("a\x00"+strings.Repeat("b", 200), "", "acme", rawOf("a", strings.Repeat("b", 200)))
	f.Fuzz(func(t *testing.T, cached, sent, tenant string, odd []byte) {
		sb := labels.NewScratchBuilder(0)
		lset, err := tenantLabels(tenant, seriesOf(pairsOf(cached)...), &sb)
		if err != nil {
			return
		}
		for _, raw := range [][]byte{rawOf(pairsOf(sent)...), odd} {
			var sc confirmScratch
			got := matchesRaw(lset, tenant, raw, &sc)
			s := Series{Raw: raw, rawLabels: -1}
			if err := s.decodeLabels(); err != nil || !onlyLabelTags(raw) {
				if got {
					t.Fatalf("%s confirmed for label fields %x, which do not decode", lset, raw)
				}
				continue
			}
			if want := matches(lset, tenant, s.Labels); got != want {
				t.Fatalf("matchesRaw(%s, %x) = %v, matches of its labels %q = %v", lset, raw, got, s.Labels, want)
			}
			if !got {
				continue
			}
			other, err := tenantLabels(tenant, &s, &sb)
			if err != nil {
				t.Fatalf("%s confirmed for %q, which cannot be stored: %v", lset, s.Labels, err)
			}
			if !labels.Equal(lset, other) {
				t.Fatalf("%s confirmed for %q, stored as %s", lset, s.Labels, other)
			}
		}
	})
}

// onlyLabelTags reports whether every field of raw, a run of fields that
// decodes, has the one-byte tag of a label field, as every Series.Raw the
// decoder makes of what encoders write.
func onlyLabelTags(raw []byte) bool {
	for i := 0; i < len(raw); {
		if raw[i] != 0x0a {
			return false
		}
		_, end, err := lenDelim(raw, i+1, wireBytes)
		if err != nil {
			panic(fmt.Sprintf("label fields %x do not decode: %v", raw, err))
		}
		i = end
	}
	return true
}
