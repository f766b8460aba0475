package promapi

import (
	"net/http"
	"time"
)

// Alert is one pending or firing alert as /api/v1/alerts shows it.
type Alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"` // pending or firing
	ActiveAt    *time.Time        `json:"activeAt,omitempty"`
	Value       string            `json:"value"`
}

// Rule is one alerting rule as /api/v1/rules shows it.
type Rule struct {
	State          string            `json:"state"` // inactive, pending or firing
	Name           string            `json:"name"`
	Query          string            `json:"query"`
	Duration       float64           `json:"duration"` // seconds
	KeepFiringFor  float64           `json:"keepFiringFor"`
	Labels         map[string]string `json:"labels"`
	Annotations    map[string]string `json:"annotations"`
	Alerts         []Alert           `json:"alerts"`
	Health         string            `json:"health"`
	LastError      string            `json:"lastError,omitempty"`
	EvaluationTime float64           `json:"evaluationTime"`
	LastEvaluation time.Time         `json:"lastEvaluation"`
	Type           string            `json:"type"` // alerting
}

// RuleGroup is a group of rules as /api/v1/rules shows it.
type RuleGroup struct {
	Name           string    `json:"name"`
	File           string    `json:"file"`
	Rules          []Rule    `json:"rules"`
	Interval       float64   `json:"interval"` // seconds
	Limit          int       `json:"limit"`
	EvaluationTime float64   `json:"evaluationTime"`
	LastEvaluation time.Time `json:"lastEvaluation"`
}

// RuleSource gives the alerting rules and alerts of a tenant, or of every
// tenant when all is true; the alert engine is one.
type RuleSource interface {
	PromRules(tenant string, all bool) []RuleGroup
	PromAlerts(tenant string, all bool) []Alert
}

// SetRules makes /api/v1/rules and /api/v1/alerts answer from src; without
// it they answer that there are none.
func (a *API) SetRules(src RuleSource) { a.rules = src }

// Rules serves /api/v1/rules (type=alert or none; recording rules unyo has not).
func (a *API) Rules(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		a.fail(w, badData(err))
		return
	}
	tenant, all, err := a.tenant(r)
	if err != nil {
		a.fail(w, &apiError{typ: "forbidden", status: http.StatusForbidden, err: err})
		return
	}
	groups := []RuleGroup{}
	if a.rules != nil && r.Form.Get("type") != "record" {
		groups = append(groups, a.rules.PromRules(tenant, all)...)
	}
	a.respond(w, map[string][]RuleGroup{"groups": groups}, nil)
}

// Alerts serves /api/v1/alerts: the pending and firing alerts.
func (a *API) Alerts(w http.ResponseWriter, r *http.Request) {
	tenant, all, err := a.tenant(r)
	if err != nil {
		a.fail(w, &apiError{typ: "forbidden", status: http.StatusForbidden, err: err})
		return
	}
	alerts := []Alert{}
	if a.rules != nil {
		alerts = append(alerts, a.rules.PromAlerts(tenant, all)...)
	}
	a.respond(w, map[string][]Alert{"alerts": alerts}, nil)
}
