package blueprint

import "testing"

// Every kind a plan names is written once, in the table: none is left to
// a special case (a kind missing there would be read, planned and written
// by nobody).
func TestEveryKindInTheTable(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range kinds {
		if seen[k.name()] {
			t.Errorf("%s is twice in the table", k.name())
		}
		seen[k.name()] = true
	}
	for _, name := range Kinds {
		if kindNamed(name) == nil {
			t.Errorf("%s is in Kinds but not in the table", name)
		}
		delete(seen, name)
	}
	for name := range seen {
		t.Errorf("%s is in the table but not in Kinds: never read nor applied", name)
	}
}
