//go:build !dedupelabels

package metricstore

// dedupeLabels: label sets hold their strings; the head has no symbol table
// to rebuild.
const dedupeLabels = false
