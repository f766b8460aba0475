package database

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Self metrics of the transactions InTx runs (every audited write goes
// through it). On SQLite a transaction begins IMMEDIATE, so the wait to
// begin is the wait for the database's single write lock (busy_timeout) or
// for a pooled connection: under load it is the first cost to grow.
var (
	txWait = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "unyo_database_write_wait_seconds",
		Help:    "Time a write transaction waited to begin (SQLite: for the write lock).",
		Buckets: []float64{0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10},
	})
	txDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "unyo_database_write_seconds",
		Help:    "Time of a write transaction from its begin to its commit.",
		Buckets: []float64{0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10},
	})
)

// Collectors are the database's self metrics, for the server's registry.
func Collectors() []prometheus.Collector { return []prometheus.Collector{txWait, txDuration} }

// observeSince records the seconds since start in h.
func observeSince(h prometheus.Histogram, start time.Time) { h.Observe(time.Since(start).Seconds()) }
