// Package blueprint is a customer's operations design as code: the folder
// of YAML files (one per customer, in the customer's git repository) that
// names its services, resources, monitoring templates, channels,
// escalation, maintenance windows and runbooks; the loader that reads it
// with the line and column of every node; the plan that compares it with
// what a tenant holds; and the apply that makes the tenant so, in one
// transaction. docs/onboarding-as-code.md describes the files.
package blueprint
