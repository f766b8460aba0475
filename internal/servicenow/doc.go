// Package servicenow syncs a tenant's incidents, inquiries, catalog
// requests, problems and changes with the customer's own ServiceNow instance
// through the Table API, each kind to its table (configurable per tenant):
// unyo creates the record when its own is made (correlation_id is unyo's
// ID), patches it on every change, and pulls states, approvals and notes
// made in ServiceNow back. Changes wait in a persisted outbox, each with an
// idempotency key and in order per record, so none is lost or repeated
// while the instance is unreachable or the server restarts.
package servicenow
