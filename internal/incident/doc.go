// Package incident carries the ITSM side of unyo: incidents opened by hand or
// from alerts, their lifecycle (New, In Progress, On Hold, Resolved, Closed,
// Canceled), the timeline of everything that happened to them, and their SLA
// clocks (acknowledge, identify the cause, resolve), kept as events so that
// they survive restarts and replay to the same figures. docs/incidents.md has
// the rules.
package incident
