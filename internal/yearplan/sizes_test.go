package yearplan

import (
	"slices"
	"testing"
)

// TestFamily: the sizes of a family from the name of one, with its vCPUs.
func TestFamily(t *testing.T) {
	f := func(size string, want []string, vcpu int) {
		t.Helper()
		sizes, cur := Family(size)
		var names []string
		for _, s := range sizes {
			names = append(names, s.Name)
		}
		if !slices.Equal(names, want) || cur != vcpu {
			t.Errorf("Family(%q) = %v, %d; want %v, %d", size, names, cur, want, vcpu)
		}
	}
	f("Standard_D4s_v5", []string{"Standard_D2s_v5", "Standard_D4s_v5", "Standard_D8s_v5", "Standard_D16s_v5", "Standard_D32s_v5"}, 4)
	f("Standard_F8s_v2", []string{"Standard_F2s_v2", "Standard_F4s_v2", "Standard_F8s_v2", "Standard_F16s_v2", "Standard_F32s_v2"}, 8)
	f("m6i.2xlarge", []string{"m6i.large", "m6i.xlarge", "m6i.2xlarge", "m6i.4xlarge", "m6i.8xlarge"}, 8)
	f("c7g.large", []string{"c7g.large", "c7g.xlarge", "c7g.2xlarge", "c7g.4xlarge", "c7g.8xlarge"}, 2)
	f("e2-standard-4", nil, 0)
	f("", nil, 0)
}

// TestAdviseSizeWithTable: an explicit table with its own prices wins over
// the family's proportional ones, and a size missing from it is not compared.
func TestAdviseSizeWithTable(t *testing.T) {
	g := Group{Size: "big", HourlyPrice: 10}
	// A steady need of 1.5 current (8 vCPU) instances' worth at 60%: 3 bigs
	// (30 an hour), or 5 smalls of 4 vCPU (⌈1.5·8/4/0.6⌉ = 5) at 5 = 25.
	need := []float64{1.5, 1.5}
	a := adviseSize(g, []Size{{Name: "big", VCPU: 8, HourlyPrice: 10}, {Name: "small", VCPU: 4, HourlyPrice: 5}}, 60, 1, need)
	if a.Recommended != "small" || a.CurrentCost != 60 || a.RecommendedCost != 50 || a.Difference != -10 {
		t.Errorf("advice %+v, want small at 50 against 60", a)
	}
	if a := adviseSize(g, []Size{{Name: "small", VCPU: 4}}, 60, 1, need); a.Note != "size.unknown" || a.Recommended != "" {
		t.Errorf("a size not in the table: %+v", a)
	}
}
