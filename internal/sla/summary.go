package sla

import "time"

// Summary aggregates one kind of clock over many tickets: the acknowledge clocks give
// MTTA, the identify-cause clocks MTTI, the resolve clocks MTTR.
type Summary struct {
	Clocks   int           // clocks given
	Stopped  int           // stopped as of now: acknowledged, cause identified, resolved
	Open     int           // not stopped as of now
	Met      int           // stopped within target
	Breached int           // reached the target, stopped or not: a breach is final
	Mean     time.Duration // mean business time of the stopped clocks; zero if none
}

// Summarize evaluates every clock as of now and aggregates them.
func Summarize(clocks []Clock, now time.Time) Summary {
	s := Summary{Clocks: len(clocks)}
	var sum durationSum
	for _, c := range clocks {
		st := Evaluate(c, now)
		isStopped := !c.Stop.IsZero() && !c.Stop.After(now)
		if isStopped {
			s.Stopped++
			sum.add(st.Elapsed)
		} else {
			s.Open++
		}
		switch st.State {
		case StateMet:
			s.Met++
		case StateBreached:
			s.Breached++
		}
	}
	s.Mean = sum.mean(s.Stopped)
	return s
}

// Compliance returns Met / (Met + Breached), the share of decided clocks within target;
// ok is false when no clock is decided yet. Open clocks not yet breached do not count.
func (s Summary) Compliance() (ratio float64, ok bool) {
	decided := s.Met + s.Breached
	if decided == 0 {
		return 0, false
	}
	return float64(s.Met) / float64(decided), true
}

// durationSum adds durations as whole seconds plus nanoseconds, so that a year of
// resolve times over thousands of tickets cannot overflow int64 nanoseconds.
type durationSum struct{ sec, nsec int64 }

func (d *durationSum) add(x time.Duration) {
	d.sec += int64(x / time.Second)
	d.nsec += int64(x % time.Second)
}

func (d durationSum) mean(n int) time.Duration {
	if n == 0 {
		return 0
	}
	q, r := d.sec/int64(n), d.sec%int64(n)
	return time.Duration(q)*time.Second + time.Duration((r*int64(time.Second)+d.nsec)/int64(n))
}
