// Package model holds unyo's domain types: tenants, services with their service
// levels, resources, users and API tokens, and the rules that make them valid.
package model
