package console

import (
	"math"
	"strconv"
	"strings"
)

// unitScale is how a value of unit v (a Grafana unit id) is shown: divided
// by factor, followed by suffix. Byte and bit units step by 1024 or 1000
// as Grafana does; other units keep their value.
func unitScale(unit string, v float64) (factor float64, suffix string) {
	a := math.Abs(v)
	step := func(base float64, names ...string) (float64, string) {
		f := 1.0
		for i := range names {
			if i == len(names)-1 || a < f*base {
				return f, names[i]
			}
			f *= base
		}
		return f, names[len(names)-1]
	}
	switch unit {
	case "", "none", "short":
		return 1, ""
	case "percent":
		return 1, "%"
	case "percentunit":
		return 0.01, "%"
	case "bytes":
		return step(1024, " B", " KiB", " MiB", " GiB", " TiB", " PiB")
	case "decbytes":
		return step(1000, " B", " kB", " MB", " GB", " TB", " PB")
	case "bits":
		return step(1000, " b", " kb", " Mb", " Gb", " Tb")
	case "bps":
		return step(1000, " b/s", " kb/s", " Mb/s", " Gb/s", " Tb/s")
	case "Bps", "decBps":
		return step(1000, " B/s", " kB/s", " MB/s", " GB/s", " TB/s")
	case "binBps":
		return step(1024, " B/s", " KiB/s", " MiB/s", " GiB/s", " TiB/s")
	case "hertz":
		return step(1000, " Hz", " kHz", " MHz", " GHz")
	case "s", "dtdurations":
		switch {
		case a >= 86400:
			return 86400, " d"
		case a >= 3600:
			return 3600, " h"
		case a >= 60:
			return 60, " min"
		case a > 0 && a < 1:
			return 0.001, " ms"
		}
		return 1, " s"
	case "ms":
		if a >= 1000 {
			return 1000, " s"
		}
		return 1, " ms"
	case "reqps":
		return 1, " req/s"
	case "ops", "iops":
		return 1, " ops/s"
	case "celsius":
		return 1, " °C"
	}
	return 1, " " + unit
}

// formatValue shows v in unit with decimals (nil: enough to read).
func formatValue(v float64, unit string, decimals *int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	f, suffix := unitScale(unit, v)
	v /= f
	prec := 2
	switch a := math.Abs(v); {
	case decimals != nil:
		prec = *decimals
	case a >= 100 || a == math.Trunc(a):
		prec = 0
	case a >= 10:
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if decimals == nil && strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".") // 3.5, not 3.50
	}
	if strings.HasPrefix(suffix, " ") || suffix == "" || suffix == "%" {
		return s + suffix
	}
	return s + " " + suffix
}
