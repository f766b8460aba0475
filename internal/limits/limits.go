// Package limits bounds what one tenant may take of the shared server, so
// that one tenant cannot starve the others: series in the TSDB's head, the
// ingest rate, concurrent queries, and the samples and time of one query.
// Every limit has a server-wide default (a flag) and may be overridden per
// tenant by the MSP admin; the overrides are stored in the database.
package limits

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/unyo-ops/unyo/internal/invalid"
	"github.com/unyo-ops/unyo/internal/model"
)

// The names of the limits, as the API, the error answers and the self
// metrics spell them.
const (
	NameMaxSeries            = "max_series"
	NameIngestRate           = "ingest_rate"
	NameMaxConcurrentQueries = "max_concurrent_queries"
	NameMaxQuerySamples      = "max_query_samples"
	NameMaxQueryTime         = "max_query_time"
)

// Limits are one tenant's effective limits. Zero means unlimited.
type Limits struct {
	MaxSeries            int            `json:"max_series"`             // series in the head
	IngestRate           float64        `json:"ingest_rate"`            // samples per second, sustained
	IngestBurst          int            `json:"ingest_burst"`           // samples above the rate at once
	MaxConcurrentQueries int            `json:"max_concurrent_queries"` // query and query_range at once
	MaxQuerySamples      int            `json:"max_query_samples"`      // samples one query holds in memory
	MaxQueryTime         model.Duration `json:"max_query_time"`         // wall time of one query
}

// Defaults are the server-wide defaults unless flags say otherwise. They
// leave room for a large customer (a Prometheus over a few hundred hosts)
// and stop what was seen in testing: 200,000 series in 5 s from one token,
// and eight range queries taking 3 GiB.
var Defaults = Limits{
	MaxSeries:            150_000,
	IngestRate:           50_000,
	IngestBurst:          200_000,
	MaxConcurrentQueries: 8,
	MaxQuerySamples:      5_000_000,
	MaxQueryTime:         model.Duration(time.Minute),
}

// Validate refuses negative limits.
func (l Limits) Validate() error {
	switch {
	case l.MaxSeries < 0:
		return invalid.New(NameMaxSeries, "must not be negative (0 is unlimited)")
	case l.IngestRate < 0:
		return invalid.New(NameIngestRate, "must not be negative (0 is unlimited)")
	case l.IngestBurst < 0:
		return invalid.New("ingest_burst", "must not be negative")
	case l.MaxConcurrentQueries < 0:
		return invalid.New(NameMaxConcurrentQueries, "must not be negative (0 is unlimited)")
	case l.MaxQuerySamples < 0:
		return invalid.New(NameMaxQuerySamples, "must not be negative (0 is unlimited)")
	case l.MaxQueryTime < 0:
		return invalid.New(NameMaxQueryTime, "must not be negative (0 is unlimited)")
	}
	return nil
}

// Override is a tenant's own limits: a field left out (null) takes the
// server-wide default.
type Override struct {
	MaxSeries            *int            `json:"max_series,omitempty"`
	IngestRate           *float64        `json:"ingest_rate,omitempty"`
	IngestBurst          *int            `json:"ingest_burst,omitempty"`
	MaxConcurrentQueries *int            `json:"max_concurrent_queries,omitempty"`
	MaxQuerySamples      *int            `json:"max_query_samples,omitempty"`
	MaxQueryTime         *model.Duration `json:"max_query_time,omitempty"`
}

// Apply returns def with o's fields put over it.
func (o Override) Apply(def Limits) Limits {
	l := def
	set(&l.MaxSeries, o.MaxSeries)
	set(&l.IngestRate, o.IngestRate)
	set(&l.IngestBurst, o.IngestBurst)
	set(&l.MaxConcurrentQueries, o.MaxConcurrentQueries)
	set(&l.MaxQuerySamples, o.MaxQuerySamples)
	set(&l.MaxQueryTime, o.MaxQueryTime)
	return l
}

// Empty reports whether o sets nothing.
func (o Override) Empty() bool { return o == Override{} }

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Error is a request refused because a tenant is over a limit. Status is
// what the HTTP answer should be; RetryAfter, when set, is when trying
// again can succeed (the Retry-After header).
type Error struct {
	Limit      string // one of the Name constants
	Status     int
	RetryAfter time.Duration
	Message    string
}

func (e *Error) Error() string { return e.Message }

// RetryAfterHeader is RetryAfter in whole seconds, at least 1, for the
// Retry-After header; "" when the refusal is not retryable.
func (e *Error) RetryAfterHeader() string {
	if e.RetryAfter <= 0 {
		return ""
	}
	s := int64((e.RetryAfter + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10)
}

func tooMany(limit string, retry time.Duration, format string, args ...any) *Error {
	return &Error{Limit: limit, Status: http.StatusTooManyRequests, RetryAfter: retry, Message: fmt.Sprintf(format, args...)}
}

// HTTPStatus is the status of the answer (response.OverLimit).
func (e *Error) HTTPStatus() int { return e.Status }

// LimitName names the limit in the answer's body (response.OverLimit).
func (e *Error) LimitName() string { return e.Limit }
