//go:build dedupelabels

package metricstore

const dedupeLabels = true
