package yearplan

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
)

// Size is one instance size of a size table.
type Size struct {
	Name        string  `json:"name"`
	VCPU        int     `json:"vcpu"`
	HourlyPrice float64 `json:"hourly_price"` // 0: the group's price scaled by vCPU
}

// SizeAdvice compares the current size with the cheapest size of the table
// that serves the same forecast at the target utilisation, over the year
// planned: the recommended counts of every hour, times the price.
type SizeAdvice struct {
	Current         string  `json:"current"`
	CurrentVCPU     int     `json:"current_vcpu"`
	CurrentCost     float64 `json:"current_cost"`
	Recommended     string  `json:"recommended"`
	RecommendedVCPU int     `json:"recommended_vcpu"`
	RecommendedCost float64 `json:"recommended_cost"`
	Difference      float64 `json:"difference"` // recommended less current; negative saves
	Note            string  `json:"note,omitempty"`
}

// Both Azure and AWS price the sizes of one family in proportion to their
// vCPUs, so a family is known from the group's size and its price.
var (
	azureSize = regexp.MustCompile(`^(Standard_[A-Z]+)(\d+)([a-z]*_v\d+)$`)
	awsSize   = regexp.MustCompile(`^([a-z][a-z0-9-]*)\.(large|xlarge|\d+xlarge)$`)
)

// Family returns the sizes of the family of size with 2 to 32 vCPUs, and
// the vCPUs of size; nil when the name is of no family it knows.
func Family(size string) ([]Size, int) {
	vcpus := []int{2, 4, 8, 16, 32}
	var out []Size
	cur := 0
	if m := azureSize.FindStringSubmatch(size); m != nil {
		cur, _ = strconv.Atoi(m[2])
		for _, v := range vcpus {
			out = append(out, Size{Name: fmt.Sprintf("%s%d%s", m[1], v, m[3]), VCPU: v})
		}
	} else if m := awsSize.FindStringSubmatch(size); m != nil {
		cur = awsVCPU(m[2])
		for _, v := range vcpus {
			out = append(out, Size{Name: m[1] + "." + awsName(v), VCPU: v})
		}
	}
	if cur == 0 {
		return nil, 0
	}
	return out, cur
}

func awsVCPU(s string) int {
	switch s {
	case "large":
		return 2
	case "xlarge":
		return 4
	}
	n, _ := strconv.Atoi(s[:len(s)-len("xlarge")])
	return 4 * n
}

func awsName(vcpu int) string {
	switch vcpu {
	case 2:
		return "large"
	case 4:
		return "xlarge"
	}
	return strconv.Itoa(vcpu/4) + "xlarge"
}

// adviseSize prices each size of the table over the year: need(i) is the
// hour's load in current instances' worth, and a size of v vCPUs runs
// max(min, ⌈need·cur/v / target⌉) instances.
func adviseSize(g Group, table []Size, target float64, min int, need []float64) SizeAdvice {
	a := SizeAdvice{Current: g.Size}
	cur := 0
	if table == nil {
		table, cur = Family(g.Size)
	}
	for _, s := range table {
		if s.Name == g.Size {
			cur = s.VCPU
		}
	}
	if cur == 0 || len(table) == 0 {
		a.Note = "size.unknown"
		return a
	}
	if g.HourlyPrice <= 0 {
		a.Note = "size.no_price"
	}
	a.CurrentVCPU = cur
	price := func(s Size) float64 {
		if s.HourlyPrice > 0 {
			return s.HourlyPrice
		}
		return g.HourlyPrice * float64(s.VCPU) / float64(cur)
	}
	best := -1.0
	for _, s := range table {
		if s.VCPU <= 0 {
			continue
		}
		n := 0
		for _, v := range need {
			n += countFor(v*float64(cur)/float64(s.VCPU), target, min)
		}
		cost := math.Round(float64(n) * price(s))
		if s.VCPU == cur && s.Name == g.Size {
			a.CurrentCost = cost
		}
		if best < 0 || cost < best || (cost == best && s.Name == g.Size) {
			best, a.Recommended, a.RecommendedVCPU, a.RecommendedCost = cost, s.Name, s.VCPU, cost
		}
	}
	a.Difference = a.RecommendedCost - a.CurrentCost
	return a
}

// countFor is the instances that carry load (instances' worth) at target
// percent each, never fewer than min nor than one. A millionth of an
// instance is forgiven, so that float noise never adds one.
func countFor(load, target float64, min int) int {
	n := int(math.Ceil(load*100/target - 1e-6))
	return max(n, min, 1)
}
