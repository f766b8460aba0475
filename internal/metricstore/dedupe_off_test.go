//go:build !dedupelabels

package metricstore

const dedupeLabels = false
