// Package alert is the alert engine: it turns monitoring items into rules,
// evaluates them against the metric store (on a timer, and as samples of a
// watched series arrive), takes alerts from Alertmanager, Azure Monitor and
// generic senders, and keeps every alert and transition in SQLite. It sends
// nothing itself: committed transitions are handed to a NotifyFunc.
package alert
