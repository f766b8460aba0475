package forecast

import (
	"fmt"
	"math"
	"time"
)

// Accuracy is a back-test: the model fitted on the history less its last
// weeks, scored on those weeks.
type Accuracy struct {
	HoldoutWeeks int     `json:"holdout_weeks"`
	MAPE         float64 `json:"mape"` // percent, over hours whose actual is not 0
	RMSE         float64 `json:"rmse"` // in the series' unit
	N            int     `json:"n"`    // hours scored
}

// Holdout is how many weeks the back-test of a history of observed hours
// holds out: four when the rest keeps at least four weeks, else one when it
// keeps MinHours, else none.
func Holdout(observed int) int {
	switch {
	case observed >= 8*Week:
		return 4
	case observed >= MinHours+Week:
		return 1
	}
	return 0
}

// BackTest fits series less its last Holdout weeks and scores the
// prediction of those weeks. skip, when not nil, marks hours left out of
// the score (e.g. the hours of past events, which the baseline does not
// predict).
func BackTest(series []float64, start time.Time, loc *time.Location, skip func(i int) bool) (Accuracy, error) {
	observed := 0
	for _, v := range series {
		if finite(v) {
			observed++
		}
	}
	weeks := Holdout(observed)
	if weeks == 0 {
		return Accuracy{}, fmt.Errorf("%w for a back-test: %d observed hours, %d needed", ErrShort, observed, MinHours+Week)
	}
	cut := len(series) - weeks*Week
	m, err := Fit(series[:cut], start, loc)
	if err != nil {
		return Accuracy{}, err
	}
	a := Accuracy{HoldoutWeeks: weeks}
	var ss, ape float64
	var nape int
	for i := cut; i < len(series); i++ {
		y := series[i]
		if !finite(y) || (skip != nil && skip(i)) {
			continue
		}
		e := m.hour(i) - y
		ss += e * e
		a.N++
		if y != 0 {
			ape += math.Abs(e / y)
			nape++
		}
	}
	if a.N > 0 {
		a.RMSE = math.Sqrt(ss / float64(a.N))
	}
	if nape > 0 {
		a.MAPE = 100 * ape / float64(nape)
	}
	return a, nil
}
