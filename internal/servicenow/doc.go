// Package servicenow syncs a tenant's incidents with the customer's own
// ServiceNow instance through the Table API: unyo creates the record when an
// incident opens (correlation_id is unyo's incident ID), patches it on every
// change (work notes, comments, state, close code and notes), and pulls state
// changes made in ServiceNow back. Changes wait in a persisted outbox, so
// none is lost while the instance is unreachable.
package servicenow
