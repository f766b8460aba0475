//go:build dedupelabels

package metricstore

// dedupeLabels: label sets intern their names and values in a symbol
// table, which the head rebuilds after each of its compactions.
const dedupeLabels = true
