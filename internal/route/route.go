// Package route is what a domain package hands the API to be served: its
// routes and the OpenAPI fragment that documents them. The api package mounts
// every Module under one route table, one authentication and one document.
package route

import (
	"net/http"

	"github.com/unyo-ops/unyo/internal/model"
)

// Route is one endpoint.
type Route struct {
	Method  string
	Path    string // Go 1.22 ServeMux pattern, e.g. /api/v1/tenants/{tenant}/alerts
	Public  bool   // served without credentials
	Handler http.HandlerFunc
}

// Module is a domain package's part of the API. OpenAPI returns a JSON
// document with "paths" and "components.schemas" that describe exactly Routes;
// the api package merges it into /api/v1/openapi.json and a test holds the
// two together.
type Module interface {
	Routes() []Route
	OpenAPI() []byte
}

// Authorizer authorises the caller of r for scope and returns the tenant the
// request acts for. api.(*API).PathTenant, which reads {tenant} from the path
// and answers 404 for a tenant the caller cannot see, is the usual one.
type Authorizer func(r *http.Request, scope model.Scope) (tenant string, err error)
