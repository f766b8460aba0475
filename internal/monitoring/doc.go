// Package monitoring is the monitoring design (監視設計) of a tenant: the
// monitoring items, the templates that bundle them, their assignment to
// hosts by label selector or by hand, per-host overrides, the resolution of
// what applies to one host, the agent configuration derived from it, and the
// monitoring item list (監視項目一覧) the customer signs off, as CSV and as a
// printable page. Evaluating the items is not done here: the rule engine
// reads ResolvedItem.Query and the item's condition.
package monitoring
