package database

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; the schema version is the number applied.
// Never edit one that has shipped: append a new one, and its PostgreSQL twin
// to postgresMigrations (migrations_postgres.go); TestMigrationsInStep fails
// until both are there. See docs/storage.md.
var migrations = []string{
	// 1: tenants, services, resources, users, tokens, audit.
	`
CREATE TABLE tenants (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	language   TEXT NOT NULL,
	time_zone  TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE TABLE services (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name          TEXT NOT NULL,
	description   TEXT NOT NULL,
	service_level TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
CREATE TABLE resources (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	service_id INTEGER REFERENCES services(id) ON DELETE SET NULL,
	name       TEXT NOT NULL,
	kind       TEXT NOT NULL,
	labels     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
CREATE INDEX resources_service ON resources(service_id);
CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	login         TEXT NOT NULL UNIQUE,
	name          TEXT NOT NULL,
	email         TEXT NOT NULL,
	role          TEXT NOT NULL,
	tenant_id     TEXT REFERENCES tenants(id) ON DELETE CASCADE,
	password_hash TEXT NOT NULL,
	language      TEXT NOT NULL,
	time_zone     TEXT NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);
CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	name         TEXT NOT NULL,
	tenant_id    TEXT REFERENCES tenants(id) ON DELETE CASCADE,
	scopes       TEXT NOT NULL,
	hash         BLOB NOT NULL UNIQUE,
	prefix       TEXT NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER,
	last_used_at INTEGER,
	revoked_at   INTEGER
);
CREATE TABLE audit_log (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT,
	actor       TEXT NOT NULL,
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id   TEXT NOT NULL,
	detail      TEXT NOT NULL,
	at          INTEGER NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log(tenant_id, at);
`,
	// 2: log events from agents; dedup_key makes a retried batch harmless.
	`
CREATE TABLE log_events (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	at        INTEGER NOT NULL,
	host      TEXT NOT NULL,
	source    TEXT NOT NULL,
	item      TEXT NOT NULL,
	pattern   TEXT NOT NULL,
	severity  TEXT NOT NULL,
	message   TEXT NOT NULL,
	labels    TEXT NOT NULL,
	dedup_key BLOB NOT NULL
);
CREATE UNIQUE INDEX log_events_dedup ON log_events(tenant_id, dedup_key);
CREATE INDEX log_events_time ON log_events(tenant_id, at);
CREATE INDEX log_events_host ON log_events(tenant_id, host, at);
`,
	// 3: the monitoring design (internal/monitoring): templates of items, items,
	// their assignment to hosts and per-host overrides. Global templates have no tenant.
	`
CREATE TABLE monitoring_templates (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT REFERENCES tenants(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	title       TEXT NOT NULL,
	description TEXT NOT NULL,
	builtin     TEXT NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX monitoring_templates_name ON monitoring_templates(ifnull(tenant_id, ''), name);
CREATE TABLE monitoring_items (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id      TEXT REFERENCES tenants(id) ON DELETE CASCADE,
	template_id    INTEGER REFERENCES monitoring_templates(id) ON DELETE CASCADE,
	resource_id    INTEGER REFERENCES resources(id) ON DELETE CASCADE,
	name           TEXT NOT NULL,
	title          TEXT NOT NULL,
	kind           TEXT NOT NULL,
	description    TEXT NOT NULL,
	spec           TEXT NOT NULL,
	op             TEXT NOT NULL,
	warning        REAL,
	critical       REAL,
	recovery       REAL,
	for_ms         INTEGER NOT NULL,
	interval_ms    INTEGER NOT NULL,
	severity       TEXT NOT NULL,
	runbook_url    TEXT NOT NULL,
	runbook_id     INTEGER,
	slr            TEXT NOT NULL,
	incident_policy TEXT NOT NULL,
	notify         TEXT NOT NULL,
	disabled       INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL,
	CHECK ((template_id IS NULL) <> (resource_id IS NULL)),
	CHECK (resource_id IS NULL OR tenant_id IS NOT NULL)
);
CREATE UNIQUE INDEX monitoring_items_template_name ON monitoring_items(template_id, name) WHERE template_id IS NOT NULL;
CREATE UNIQUE INDEX monitoring_items_resource_name ON monitoring_items(resource_id, name) WHERE resource_id IS NOT NULL;
CREATE INDEX monitoring_items_tenant ON monitoring_items(tenant_id);
CREATE TABLE monitoring_assignments (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	template_id INTEGER NOT NULL REFERENCES monitoring_templates(id) ON DELETE CASCADE,
	selector    TEXT NOT NULL,
	resource_id INTEGER REFERENCES resources(id) ON DELETE CASCADE,
	created_at  INTEGER NOT NULL,
	CHECK ((selector = '') <> (resource_id IS NULL))
);
CREATE UNIQUE INDEX monitoring_assignments_target ON monitoring_assignments(tenant_id, template_id, selector, ifnull(resource_id, 0));
CREATE TABLE monitoring_overrides (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	item_id     INTEGER NOT NULL REFERENCES monitoring_items(id) ON DELETE CASCADE,
	resource_id INTEGER REFERENCES resources(id) ON DELETE CASCADE,
	warning     REAL,
	critical    REAL,
	recovery    REAL,
	for_ms      INTEGER,
	disabled    INTEGER,
	severity    TEXT NOT NULL,
	incident_policy TEXT NOT NULL,
	runbook_url TEXT NOT NULL,
	slr         TEXT NOT NULL,
	note        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX monitoring_overrides_target ON monitoring_overrides(tenant_id, item_id, ifnull(resource_id, 0));
`,
	// 4: notification delivery (internal/channel, internal/outbox,
	// internal/escalation) and maintenance windows (internal/maintenance).
	// Secret parts of channel configurations are stored sealed only.
	`
CREATE TABLE notify_channels (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	type        TEXT NOT NULL,
	config      TEXT NOT NULL,
	sealed      BLOB NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
CREATE TABLE notify_contacts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	email       TEXT NOT NULL,
	language    TEXT NOT NULL,
	time_zone   TEXT NOT NULL,
	via         TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
CREATE TABLE outbox_messages (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	key         TEXT NOT NULL,
	ref         TEXT NOT NULL,
	grp         TEXT NOT NULL,
	routes      TEXT NOT NULL,
	service_id  INTEGER NOT NULL,
	message     TEXT NOT NULL,
	dispatched  INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	UNIQUE (tenant_id, key)
);
CREATE INDEX outbox_messages_ref ON outbox_messages(tenant_id, ref);
CREATE TABLE outbox_deliveries (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	message_id   INTEGER NOT NULL REFERENCES outbox_messages(id) ON DELETE CASCADE,
	target       TEXT NOT NULL,
	step         TEXT NOT NULL,
	state        TEXT NOT NULL,
	attempts     INTEGER NOT NULL,
	next_at      INTEGER NOT NULL,
	last_error   TEXT NOT NULL,
	group_key    TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	delivered_at INTEGER,
	UNIQUE (message_id, target, step)
);
CREATE INDEX outbox_messages_undispatched ON outbox_messages(dispatched);
CREATE INDEX outbox_deliveries_due ON outbox_deliveries(state, next_at);
CREATE TABLE escalation_policies (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	is_default  INTEGER NOT NULL,
	policy      TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
CREATE TABLE escalation_runs (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	ref         TEXT NOT NULL,
	message_id  INTEGER NOT NULL,
	policy_id   INTEGER NOT NULL,
	service_id  INTEGER NOT NULL,
	step        INTEGER NOT NULL,
	round       INTEGER NOT NULL,
	state       TEXT NOT NULL,
	next_at     INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (tenant_id, message_id)
);
CREATE INDEX escalation_runs_due ON escalation_runs(state, next_at);
CREATE INDEX escalation_runs_ref ON escalation_runs(tenant_id, ref);
CREATE TABLE maintenance_windows (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	service_id  INTEGER,
	resource_id INTEGER,
	labels      TEXT NOT NULL,
	schedule    TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE INDEX maintenance_windows_tenant ON maintenance_windows(tenant_id);
`,
	// 5: console sessions (internal/session). Only a hash of the session ID is
	// stored, so a copy of the database cannot be used to log in.
	`
CREATE TABLE sessions (
	id_hash    BLOB PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expiry ON sessions(expires_at);
`,
	// 6: the ITSM side (internal/incident, internal/workreport,
	// internal/servicenow): incidents and their timeline, SLA clock events,
	// alert links, work reports, and the ServiceNow configuration and outbox.
	// ServiceNow credentials are stored sealed only.
	`
CREATE TABLE incident_counters (
	tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
	last      INTEGER NOT NULL
);
CREATE TABLE incidents (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	number            TEXT NOT NULL,
	service_id        INTEGER REFERENCES services(id) ON DELETE SET NULL,
	short_description TEXT NOT NULL,
	description       TEXT NOT NULL,
	impact            INTEGER NOT NULL,
	urgency           INTEGER NOT NULL,
	priority          INTEGER NOT NULL,
	assignment_group  TEXT NOT NULL,
	assignee          TEXT NOT NULL,
	state             TEXT NOT NULL,
	hold_reason       TEXT NOT NULL,
	close_code        TEXT NOT NULL,
	close_notes       TEXT NOT NULL,
	cause             TEXT NOT NULL,
	cause_category    TEXT NOT NULL,
	cause_by          TEXT NOT NULL,
	cause_at          INTEGER,
	acknowledged_by   TEXT NOT NULL,
	acknowledged_at   INTEGER,
	opened_by         TEXT NOT NULL,
	opened_at         INTEGER NOT NULL,
	resolved_at       INTEGER,
	closed_at         INTEGER,
	updated_at        INTEGER NOT NULL,
	UNIQUE (tenant_id, number)
);
CREATE INDEX incidents_tenant_opened ON incidents(tenant_id, opened_at);
CREATE TABLE incident_resources (
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
	PRIMARY KEY (incident_id, resource_id)
);
CREATE INDEX incident_resources_resource ON incident_resources(resource_id);
CREATE TABLE incident_alerts (
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	alert_id    TEXT NOT NULL,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	fingerprint TEXT NOT NULL,
	item_id     INTEGER,
	resource_id INTEGER,
	severity    TEXT NOT NULL,
	title       TEXT NOT NULL,
	status      TEXT NOT NULL,
	fired_at    INTEGER NOT NULL,
	resolved_at INTEGER,
	PRIMARY KEY (tenant_id, alert_id)
);
CREATE INDEX incident_alerts_incident ON incident_alerts(incident_id);
CREATE TABLE incident_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	at          INTEGER NOT NULL,
	author      TEXT NOT NULL,
	kind        TEXT NOT NULL,
	internal    INTEGER NOT NULL,
	body        TEXT NOT NULL,
	detail      TEXT NOT NULL
);
CREATE INDEX incident_events_incident ON incident_events(incident_id, id);
CREATE TABLE incident_clock_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	clock       TEXT NOT NULL,
	kind        TEXT NOT NULL,
	at          INTEGER NOT NULL
);
CREATE INDEX incident_clock_events_incident ON incident_clock_events(incident_id, id);
CREATE TABLE incident_notices (
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	clock       TEXT NOT NULL,
	kind        TEXT NOT NULL,
	at          INTEGER NOT NULL,
	PRIMARY KEY (incident_id, clock, kind)
);
CREATE TABLE work_reports (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	subject     TEXT NOT NULL,
	detail      TEXT NOT NULL,
	worker      TEXT NOT NULL,
	result      TEXT NOT NULL,
	started_at  INTEGER NOT NULL,
	ended_at    INTEGER NOT NULL,
	incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL,
	plan_ref    TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE INDEX work_reports_tenant_started ON work_reports(tenant_id, started_at);
CREATE TABLE servicenow_configs (
	tenant_id    TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
	instance_url TEXT NOT NULL,
	auth         TEXT NOT NULL,
	username     TEXT NOT NULL,
	client_id    TEXT NOT NULL,
	sealed       BLOB NOT NULL,
	enabled      INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
);
CREATE TABLE servicenow_links (
	incident_id INTEGER PRIMARY KEY REFERENCES incidents(id) ON DELETE CASCADE,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	sys_id      TEXT NOT NULL,
	number      TEXT NOT NULL,
	state       TEXT NOT NULL,
	pulled_at   INTEGER
);
CREATE TABLE servicenow_outbox (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	op          TEXT NOT NULL,
	fields      TEXT NOT NULL,
	attempts    INTEGER NOT NULL,
	next_at     INTEGER NOT NULL,
	last_error  TEXT NOT NULL,
	done_at     INTEGER,
	created_at  INTEGER NOT NULL
);
CREATE INDEX servicenow_outbox_due ON servicenow_outbox(done_at, next_at);
`,
	// 6: alerts and their transitions (internal/alert). One row per alert
	// instance; at most one instance of a fingerprint is not resolved.
	`
CREATE TABLE alerts (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	fingerprint     TEXT NOT NULL,
	source          TEXT NOT NULL,
	item_id         INTEGER,
	resource_id     INTEGER,
	service_id      INTEGER,
	resource        TEXT NOT NULL,
	title           TEXT NOT NULL,
	summary         TEXT NOT NULL,
	labels          TEXT NOT NULL,
	notify_routes   TEXT NOT NULL,
	runbook_url     TEXT NOT NULL,
	severity        TEXT NOT NULL,
	state           TEXT NOT NULL,
	value           REAL,
	value_text      TEXT NOT NULL,
	started_at      INTEGER NOT NULL,
	fired_at        INTEGER,
	resolved_at     INTEGER,
	acknowledged_by TEXT NOT NULL DEFAULT '',
	acknowledged_at INTEGER,
	silenced_until  INTEGER,
	flapping        INTEGER NOT NULL DEFAULT 0,
	in_maintenance  INTEGER NOT NULL DEFAULT 0,
	maintenance_window_id INTEGER,
	inhibited       INTEGER NOT NULL DEFAULT 0,
	announced       INTEGER NOT NULL DEFAULT 0,
	updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX alerts_active ON alerts(tenant_id, fingerprint) WHERE state <> 'resolved';
CREATE INDEX alerts_fingerprint ON alerts(tenant_id, fingerprint, started_at);
CREATE INDEX alerts_time ON alerts(tenant_id, started_at);
CREATE INDEX alerts_severity ON alerts(tenant_id, severity, started_at);
CREATE INDEX alerts_resource ON alerts(tenant_id, resource_id, started_at);
CREATE INDEX alerts_state ON alerts(tenant_id, state);
CREATE TABLE alert_events (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	alert_id    INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	at          INTEGER NOT NULL,
	from_state  TEXT NOT NULL,
	to_state    TEXT NOT NULL,
	reason      TEXT NOT NULL,
	severity    TEXT NOT NULL,
	value       REAL,
	value_text  TEXT NOT NULL,
	actor       TEXT NOT NULL DEFAULT '',
	notify      INTEGER NOT NULL,
	notified_at INTEGER
);
CREATE INDEX alert_events_alert ON alert_events(alert_id, id);
CREATE INDEX alert_events_tenant_time ON alert_events(tenant_id, at);
CREATE INDEX alert_events_unnotified ON alert_events(id) WHERE notify = 1 AND notified_at IS NULL;
`,
	// 8: operations reports (internal/report): drafts and published reports
	// with their frozen HTML and PDF, and each tenant's report recipients.
	`
CREATE TABLE reports (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	period_from  INTEGER NOT NULL,
	period_to    INTEGER NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('draft', 'published')),
	content      TEXT NOT NULL,
	html         BLOB,
	pdf          BLOB,
	created_by   TEXT NOT NULL,
	published_by TEXT NOT NULL DEFAULT '',
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	published_at INTEGER,
	delivered_at INTEGER
);
CREATE INDEX reports_period ON reports(tenant_id, period_from);
CREATE UNIQUE INDEX reports_scheduled ON reports(tenant_id, period_from, period_to) WHERE created_by = 'schedule';
CREATE TABLE report_recipients (
	tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	email      TEXT NOT NULL,
	name       TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, email)
);
`,
	// 9: ITSM, second part (internal/incident, internal/runbook): inquiries and
	// catalog requests share the incidents table and its clocks; catalog
	// items; runbooks (tenant NULL = global) and daily operator checklists.
	`
ALTER TABLE incidents ADD COLUMN kind TEXT NOT NULL DEFAULT 'incident';
ALTER TABLE incidents ADD COLUMN catalog_item_id INTEGER;
ALTER TABLE incidents ADD COLUMN request_values TEXT NOT NULL DEFAULT '{}';
ALTER TABLE incidents ADD COLUMN approval TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN approval_by TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN approval_at INTEGER;
ALTER TABLE incidents ADD COLUMN approval_note TEXT NOT NULL DEFAULT '';
CREATE INDEX incidents_tenant_kind ON incidents(tenant_id, kind, opened_at);
CREATE TABLE ticket_counters (
	tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	kind      TEXT NOT NULL,
	last      INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, kind)
);
CREATE TABLE catalog_items (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name              TEXT NOT NULL,
	description       TEXT NOT NULL,
	service_id        INTEGER REFERENCES services(id) ON DELETE SET NULL,
	fields            TEXT NOT NULL,
	approval_required INTEGER NOT NULL,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
CREATE TABLE runbooks (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id  TEXT REFERENCES tenants(id) ON DELETE CASCADE,
	title      TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX runbooks_tenant ON runbooks(tenant_id);
CREATE TABLE checklists (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name       TEXT NOT NULL,
	items      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
CREATE TABLE checklist_marks (
	checklist_id INTEGER NOT NULL REFERENCES checklists(id) ON DELETE CASCADE,
	day          TEXT NOT NULL,
	item         INTEGER NOT NULL,
	done_by      TEXT NOT NULL,
	done_at      INTEGER NOT NULL,
	note         TEXT NOT NULL,
	PRIMARY KEY (checklist_id, day, item)
);
`,
	// 10: per-tenant limit overrides (internal/limits), set by the MSP admin;
	// the fields left out take the server's defaults.
	`
CREATE TABLE tenant_limits (
	tenant_id  TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
	overrides  TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
`,
	// 11: the per-tenant table that maps the severities external senders use
	// (Alertmanager's severity label) to unyo's three (internal/alert).
	`
CREATE TABLE alert_severity_maps (
	tenant_id  TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
	map        TEXT NOT NULL,
	updated_at INTEGER NOT NULL
);
`,
	// 12: single sign-on identities (internal/oidc, internal/console): a
	// person is linked to a user by the provider's (issuer, subject), never
	// again by e-mail once linked; one identity per user and provider.
	`
CREATE TABLE oidc_identities (
	issuer     TEXT NOT NULL,
	subject    TEXT NOT NULL,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	email      TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (issuer, subject),
	UNIQUE (user_id, issuer)
);
`,
	// 13: a user whose password someone else set (the generated password of
	// the first admin, or one an admin gave) is asked to change it
	// (internal/console); cleared when the user sets their own.
	`
ALTER TABLE users ADD COLUMN password_must_change INTEGER NOT NULL DEFAULT 0;
`,
	// 14: backup policies and their job results (internal/backup); the same
	// external ID of one policy is one job, however often it is sent.
	`
CREATE TABLE backup_policies (
	id           INTEGER PRIMARY KEY,
	tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name         TEXT NOT NULL,
	service_id   INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
	resource_id  INTEGER REFERENCES resources(id) ON DELETE SET NULL,
	target       TEXT NOT NULL,
	method       TEXT NOT NULL,
	schedule     TEXT NOT NULL,
	retention_ms INTEGER NOT NULL,
	rpo_ms       INTEGER NOT NULL,
	rto_ms       INTEGER NOT NULL,
	grace_ms     INTEGER NOT NULL,
	runbook      TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
CREATE TABLE backup_jobs (
	id             INTEGER PRIMARY KEY,
	tenant_id      TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	policy_id      INTEGER NOT NULL REFERENCES backup_policies(id) ON DELETE CASCADE,
	status         TEXT NOT NULL,
	started_at     INTEGER NOT NULL,
	finished_at    INTEGER NOT NULL,
	size_bytes     INTEGER NOT NULL,
	recovery_point INTEGER NOT NULL,
	external_id    TEXT,
	message        TEXT NOT NULL,
	created_at     INTEGER NOT NULL,
	UNIQUE (policy_id, external_id)
);
CREATE INDEX backup_jobs_policy ON backup_jobs (policy_id, recovery_point);
`,
	// 15: where a backup policy's job results come from besides the push
	// API (a cloud account's backup jobs, an exporter's metric), as JSON,
	// and where each job came from (internal/backup, its sources).
	`
ALTER TABLE backup_policies ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE backup_jobs ADD COLUMN source TEXT NOT NULL DEFAULT '';
`,
	// 16: backup compliance beyond the RPO and restore tests (リカバリ訓練)
	// (internal/backup): per-policy size thresholds against its own history,
	// the restore test plan and its grace, and the records of tests performed.
	`
ALTER TABLE backup_policies ADD COLUMN size_low_percent INTEGER NOT NULL DEFAULT 50;
ALTER TABLE backup_policies ADD COLUMN size_high_percent INTEGER NOT NULL DEFAULT 200;
ALTER TABLE backup_policies ADD COLUMN restore_plan TEXT NOT NULL DEFAULT '';
ALTER TABLE backup_policies ADD COLUMN restore_grace_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE backup_policies ADD COLUMN restore_plan_since INTEGER NOT NULL DEFAULT 0;
CREATE TABLE backup_restore_tests (
	id           INTEGER PRIMARY KEY,
	tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	policy_id    INTEGER NOT NULL REFERENCES backup_policies(id) ON DELETE CASCADE,
	started_at   INTEGER NOT NULL,
	finished_at  INTEGER NOT NULL,
	performed_by TEXT NOT NULL,
	restored     TEXT NOT NULL,
	verification TEXT NOT NULL,
	result       TEXT NOT NULL,
	created_at   INTEGER NOT NULL
);
CREATE INDEX backup_restore_tests_policy ON backup_restore_tests (policy_id, started_at);
`,
	// 17: enrollment (internal/enrollment): an enroll token may be limited to
	// the hosts matching a label rule.
	`ALTER TABLE api_tokens ADD COLUMN host_selector TEXT NOT NULL DEFAULT '';
`,
	// 18: capacity groups, their versioned operation plans, manual holds,
	// the steps the scheduler applied and the counts it observed
	// (internal/capacity). A step's key is unique: it is claimed in a
	// transaction before the actuator is called, so no step applies twice.
	`
CREATE TABLE capacity_groups (
	id                INTEGER PRIMARY KEY,
	tenant_id         TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	service_id        INTEGER NOT NULL REFERENCES services(id) ON DELETE CASCADE,
	name              TEXT NOT NULL,
	kind              TEXT NOT NULL,
	config            TEXT NOT NULL,
	account_id        INTEGER,
	secret            BLOB,
	min_count         INTEGER NOT NULL,
	max_count         INTEGER NOT NULL,
	instance_size     TEXT NOT NULL,
	hourly_price      REAL,
	load_query        TEXT NOT NULL,
	host_selector     TEXT NOT NULL,
	verify_timeout_ms INTEGER NOT NULL,
	manual_asked      INTEGER,
	manual_confirmed  INTEGER,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
CREATE TABLE capacity_plan_versions (
	id            INTEGER PRIMARY KEY,
	tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	group_id      INTEGER NOT NULL REFERENCES capacity_groups(id) ON DELETE CASCADE,
	version       INTEGER NOT NULL,
	state         TEXT NOT NULL,
	document      TEXT NOT NULL,
	reason        TEXT NOT NULL,
	author        TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
	proposed_by   TEXT NOT NULL,
	proposed_at   INTEGER,
	approval      TEXT NOT NULL,
	approved_by   TEXT NOT NULL,
	approved_at   INTEGER,
	approval_ref  TEXT NOT NULL,
	activated_by  TEXT NOT NULL,
	activated_at  INTEGER,
	superseded_at INTEGER,
	UNIQUE (group_id, version)
);
CREATE TABLE capacity_holds (
	id          INTEGER PRIMARY KEY,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	group_id    INTEGER NOT NULL REFERENCES capacity_groups(id) ON DELETE CASCADE,
	count       INTEGER NOT NULL,
	starts_at   INTEGER NOT NULL,
	until       INTEGER NOT NULL,
	reason      TEXT NOT NULL,
	actor       TEXT NOT NULL,
	released_at INTEGER
);
CREATE TABLE capacity_steps (
	id            INTEGER PRIMARY KEY,
	tenant_id     TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	group_id      INTEGER NOT NULL REFERENCES capacity_groups(id) ON DELETE CASCADE,
	step_key      TEXT NOT NULL UNIQUE,
	version       INTEGER NOT NULL,
	planned_at    INTEGER NOT NULL,
	count         INTEGER NOT NULL,
	sources       TEXT NOT NULL,
	state         TEXT NOT NULL,
	attempts      INTEGER NOT NULL,
	next_at       INTEGER NOT NULL,
	applied_at    INTEGER,
	reached_count INTEGER,
	reached_at    INTEGER,
	hosts         INTEGER,
	error         TEXT NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
);
CREATE INDEX capacity_steps_group ON capacity_steps (group_id, planned_at);
CREATE TABLE capacity_observations (
	group_id INTEGER NOT NULL REFERENCES capacity_groups(id) ON DELETE CASCADE,
	at       INTEGER NOT NULL,
	desired  INTEGER NOT NULL,
	running  INTEGER NOT NULL,
	PRIMARY KEY (group_id, at)
);
`,
	// 19: indexes for reading the compliance facts of every backup policy
	// at once (internal/backup, the watch's resync): each policy's newest
	// and oldest good points and sizes, its last job and its last start are
	// one index seek each, however long its history.
	`
CREATE INDEX backup_jobs_good ON backup_jobs (policy_id, recovery_point, id, size_bytes, tenant_id) WHERE status='ok';
CREATE INDEX backup_jobs_finished ON backup_jobs (policy_id, finished_at, id);
CREATE INDEX backup_jobs_started ON backup_jobs (policy_id, started_at);
`,
	// 20, cloudaccount: a tenant's cloud accounts. settings holds what is not
	// secret (IDs, regions, endpoints) as JSON; sealed holds the client
	// secret or secret access key, sealed with the account's identity as
	// associated data; secret_hint is its masked form for the API.
	`CREATE TABLE cloud_accounts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	provider    TEXT NOT NULL,
	settings    TEXT NOT NULL,
	sealed      BLOB NOT NULL,
	secret_hint TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
`,
	// 21: capacity (internal/capacity): a plan version made from an accepted
	// yearly plan keeps where it came from; the origin is unique per group,
	// so accepting the same yearly plan twice adds no second draft.
	`ALTER TABLE capacity_plan_versions ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE capacity_plan_versions ADD COLUMN origin_detail TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX capacity_plan_versions_origin ON capacity_plan_versions (group_id, origin) WHERE origin <> '';
`,
	// 22, backup (internal/backup/azure): what a policy's vaults still hold,
	// as their poller last read it: the oldest and newest recovery point
	// (unix millis, 0: never read). The retention rule measures the
	// vault's oldest, the RPO rule takes the newest when newer than a job.
	`
ALTER TABLE backup_policies ADD COLUMN restorable_oldest INTEGER NOT NULL DEFAULT 0;
ALTER TABLE backup_policies ADD COLUMN restorable_newest INTEGER NOT NULL DEFAULT 0;
`,
	// 23, monitoring (internal/monitoring, cloud templates): the built-in
	// runbooks the code ships with its built-in templates are global
	// runbooks marked with the key they are synced from, as built-in
	// templates are.
	`ALTER TABLE runbooks ADD COLUMN builtin TEXT;
CREATE UNIQUE INDEX runbooks_builtin ON runbooks (builtin) WHERE builtin IS NOT NULL;
`,
	// 24, capacity (internal/capacity): a group's own load metric: the
	// unit its load query is shown in, the per-instance p95 thresholds of
	// under- and over-provisioned, and what one instance serves (NULL:
	// unset; a group without a load query is judged by CPU).
	`
ALTER TABLE capacity_groups ADD COLUMN load_unit TEXT NOT NULL DEFAULT '';
ALTER TABLE capacity_groups ADD COLUMN load_under REAL;
ALTER TABLE capacity_groups ADD COLUMN load_over REAL;
ALTER TABLE capacity_groups ADD COLUMN load_per_instance REAL;
`,
	// 25, report (internal/report): a per-service report names its service
	// ("" is the whole tenant's report).
	`ALTER TABLE reports ADD COLUMN service TEXT NOT NULL DEFAULT '';
`,
	// 26, cloudmetric (internal/cloudmetric): the last point written per
	// series of a cloud resource, so the next pull starts after it and a
	// restart neither repeats nor skips a point. resource is the ARM ID or ARN.
	`CREATE TABLE cloud_metric_marks (
	tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	account_id INTEGER NOT NULL REFERENCES cloud_accounts(id) ON DELETE CASCADE,
	resource   TEXT NOT NULL,
	series     TEXT NOT NULL,
	last_ms    INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, account_id, resource, series)
);
`,
	// 27, discovery (internal/discovery): a tenant's discovery rules (which
	// cloud types, tags, resource groups and regions are registered) as
	// JSON, and each cloud account's last discovery run.
	`
CREATE TABLE discovery_rules (
	tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
	rules       TEXT NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE TABLE discovery_runs (
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	account_id  INTEGER NOT NULL REFERENCES cloud_accounts(id) ON DELETE CASCADE,
	started_at  INTEGER NOT NULL,
	finished_at INTEGER NOT NULL,
	ok          INTEGER NOT NULL,
	message     TEXT NOT NULL,
	found       INTEGER NOT NULL,
	registered  INTEGER NOT NULL,
	gone        INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, account_id)
);
`,
	// 28, problem (internal/problem): problem records, the incidents linked
	// to them, their state changes, the proposals dismissed per incident and
	// each tenant's recurrence rule. match_* is what a matching incident is.
	`CREATE TABLE problems (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id        TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	title            TEXT NOT NULL,
	description      TEXT NOT NULL,
	state            TEXT NOT NULL,
	priority         INTEGER NOT NULL,
	owner            TEXT NOT NULL,
	category         TEXT NOT NULL,
	root_cause       TEXT NOT NULL,
	workaround       TEXT NOT NULL,
	known_error      INTEGER NOT NULL,
	known_error_text TEXT NOT NULL,
	match_kind       TEXT NOT NULL,
	match_key        TEXT NOT NULL,
	created_by       TEXT NOT NULL,
	created_at       INTEGER NOT NULL,
	updated_at       INTEGER NOT NULL
);
CREATE INDEX problems_tenant ON problems(tenant_id, state);
CREATE TABLE problem_incidents (
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	problem_id  INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	linked_at   INTEGER NOT NULL,
	PRIMARY KEY (problem_id, incident_id)
);
CREATE INDEX problem_incidents_incident ON problem_incidents(tenant_id, incident_id);
CREATE TABLE problem_events (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	problem_id INTEGER NOT NULL REFERENCES problems(id) ON DELETE CASCADE,
	from_state TEXT NOT NULL,
	to_state   TEXT NOT NULL,
	actor      TEXT NOT NULL,
	at         INTEGER NOT NULL
);
CREATE INDEX problem_events_problem ON problem_events(problem_id, at);
CREATE TABLE problem_dismissals (
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	match_kind  TEXT NOT NULL,
	match_key   TEXT NOT NULL,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	PRIMARY KEY (tenant_id, match_kind, match_key, incident_id)
);
CREATE TABLE problem_settings (
	tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
	threshold INTEGER NOT NULL,
	period_ms INTEGER NOT NULL
);
`,
	// 29, change (internal/change): requests for change, their approval and
	// the maintenance windows an approval creates; an incident links to the
	// change that caused it.
	`CREATE TABLE changes (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id       TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	type            TEXT NOT NULL,
	title           TEXT NOT NULL,
	description     TEXT NOT NULL,
	risk            TEXT NOT NULL,
	catalog_item_id INTEGER,
	resource_ids    TEXT NOT NULL,
	selector        TEXT NOT NULL,
	plan            TEXT NOT NULL,
	backout         TEXT NOT NULL,
	start_at        INTEGER NOT NULL,
	end_at          INTEGER NOT NULL,
	state           TEXT NOT NULL,
	result          TEXT NOT NULL,
	approval        TEXT NOT NULL,
	approved_by     TEXT NOT NULL,
	approved_at     INTEGER,
	approval_ref    TEXT NOT NULL,
	rejected_by     TEXT NOT NULL,
	rejected_at     INTEGER,
	reject_reason   TEXT NOT NULL,
	window_ids      TEXT NOT NULL,
	created_by      TEXT NOT NULL,
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX changes_schedule ON changes (tenant_id, start_at);
CREATE TABLE change_incidents (
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	change_id   INTEGER NOT NULL REFERENCES changes(id) ON DELETE CASCADE,
	note        TEXT NOT NULL,
	linked_by   TEXT NOT NULL,
	linked_at   INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, incident_id)
);
`,
	// 30, netscope (internal/storage, internal/outbound): the networks
	// (CIDRs, a JSON list) where the server's pollers may reach the internal
	// addresses of a tenant's targets, within the server-wide allow lists.
	`ALTER TABLE tenants ADD COLUMN networks TEXT NOT NULL DEFAULT '[]';
`,
	// 31, improvement (internal/improvement): the improvement register
	// (サービス課題一覧 / 改善提案) and each item's history of status changes.
	// evidence is a JSON list of typed references; due is a day (YYYY-MM-DD)
	// in the tenant's zone, "" without one.
	`CREATE TABLE improvements (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	title      TEXT NOT NULL,
	category   TEXT NOT NULL,
	evidence   TEXT NOT NULL,
	proposal   TEXT NOT NULL,
	effect     TEXT NOT NULL,
	owner      TEXT NOT NULL,
	due        TEXT NOT NULL,
	status     TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE INDEX improvements_tenant ON improvements(tenant_id, status);
CREATE TABLE improvement_events (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id      TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	improvement_id INTEGER NOT NULL REFERENCES improvements(id) ON DELETE CASCADE,
	at             INTEGER NOT NULL,
	author         TEXT NOT NULL,
	from_status    TEXT NOT NULL,
	to_status      TEXT NOT NULL,
	note           TEXT NOT NULL
);
CREATE INDEX improvement_events_item ON improvement_events(improvement_id, id);
`,
	// 32, oncall (internal/oncall): rotations (layers as JSON), overrides,
	// per-person iCalendar feed tokens (SHA-256, never the token) and the
	// acknowledgements taken from signed links, one per ref.
	`CREATE TABLE oncall_rotations (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name        TEXT NOT NULL,
	rotation    TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (tenant_id, name)
);
CREATE TABLE oncall_overrides (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	rotation_id INTEGER NOT NULL REFERENCES oncall_rotations(id) ON DELETE CASCADE,
	contact     TEXT NOT NULL,
	starts_at   INTEGER NOT NULL,
	ends_at     INTEGER NOT NULL,
	note        TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX oncall_overrides_rotation ON oncall_overrides(tenant_id, rotation_id, ends_at);
CREATE TABLE oncall_feeds (
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	contact     TEXT NOT NULL,
	token_hash  TEXT NOT NULL UNIQUE,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, contact)
);
CREATE TABLE oncall_acks (
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	ref         TEXT NOT NULL,
	step        TEXT NOT NULL,
	acked_at    INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, ref)
);
`,
	// 33, vendorcase (internal/incident): vendor cases (問い合わせ代行: Microsoft,
	// AWS...) of incidents and inquiries, and each stretch a case spent
	// waiting on its vendor, which the report sums and the resolve clock
	// may pause for (the service level's vendor_wait).
	`CREATE TABLE vendor_cases (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id    TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	incident_id  INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	vendor       TEXT NOT NULL,
	vendor_name  TEXT NOT NULL,
	case_number  TEXT NOT NULL,
	severity     TEXT NOT NULL,
	support_plan TEXT NOT NULL,
	status       TEXT NOT NULL,
	notes        TEXT NOT NULL,
	opened_at    INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL,
	closed_at    INTEGER,
	created_by   TEXT NOT NULL,
	UNIQUE (incident_id, vendor, vendor_name, case_number)
);
CREATE INDEX vendor_cases_tenant ON vendor_cases(tenant_id, status);
CREATE TABLE vendor_case_waits (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	case_id    INTEGER NOT NULL REFERENCES vendor_cases(id) ON DELETE CASCADE,
	started_at INTEGER NOT NULL,
	ended_at   INTEGER
);
CREATE INDEX vendor_case_waits_case ON vendor_case_waits(case_id, started_at);
`,
	// 34, servicenow (internal/servicenow): every kind of record synced, not only
	// incidents. servicenow_records holds the ServiceNow record (table, sys_id,
	// number, last state seen) of an incident, inquiry, request, problem or
	// change; servicenow_outbox is rebuilt keyed by kind and record, with an
	// idempotency key per queued change. The tenant's table per kind is a JSON
	// object in servicenow_configs.tables. Links and queued changes of
	// incidents are carried over.
	`ALTER TABLE servicenow_configs ADD COLUMN tables TEXT NOT NULL DEFAULT '{}';
CREATE TABLE servicenow_records (
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	kind        TEXT NOT NULL,
	record_id   INTEGER NOT NULL,
	sn_table    TEXT NOT NULL,
	sys_id      TEXT NOT NULL,
	number      TEXT NOT NULL,
	state       TEXT NOT NULL,
	item_sys_id TEXT NOT NULL,
	journal_at  TEXT NOT NULL,
	pulled_at   INTEGER,
	PRIMARY KEY (kind, record_id)
);
CREATE INDEX servicenow_records_tenant ON servicenow_records(tenant_id, kind, record_id);
INSERT INTO servicenow_records (tenant_id, kind, record_id, sn_table, sys_id, number, state, item_sys_id, journal_at, pulled_at)
	SELECT tenant_id, 'incident', incident_id, 'incident', sys_id, number, state, '', '', pulled_at FROM servicenow_links;
DROP TABLE servicenow_links;
CREATE TABLE servicenow_queue (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	kind        TEXT NOT NULL,
	record_id   INTEGER NOT NULL,
	sn_table    TEXT NOT NULL,
	idem_key    TEXT NOT NULL UNIQUE,
	op          TEXT NOT NULL,
	fields      TEXT NOT NULL,
	attempts    INTEGER NOT NULL,
	next_at     INTEGER NOT NULL,
	last_error  TEXT NOT NULL,
	done_at     INTEGER,
	created_at  INTEGER NOT NULL
);
INSERT INTO servicenow_queue (id, tenant_id, kind, record_id, sn_table, idem_key, op, fields, attempts, next_at, last_error, done_at, created_at)
	SELECT id, tenant_id, 'incident', incident_id, 'incident', 'incident:' || incident_id || ':' || id, op, fields, attempts, next_at, last_error, done_at, created_at
	FROM servicenow_outbox;
DROP TABLE servicenow_outbox;
ALTER TABLE servicenow_queue RENAME TO servicenow_outbox;
CREATE INDEX servicenow_outbox_due ON servicenow_outbox(done_at, next_at);
CREATE INDEX servicenow_outbox_record ON servicenow_outbox(kind, record_id, done_at);
`,
	// 35, flowlog (internal/flowlog): per NSG, how far each flow log
	// blob was read (its complete records) and the counts not yet written
	// with the counters' running totals (JSON), moved together so a
	// restart neither counts a flow twice nor skips one. resource is the
	// NSG's ARM ID.
	`CREATE TABLE flowlog_state (
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	resource    TEXT NOT NULL,
	through_ms  INTEGER NOT NULL,
	state       TEXT NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, resource)
);
CREATE TABLE flowlog_blobs (
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	resource    TEXT NOT NULL,
	blob        TEXT NOT NULL,
	read_bytes  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, resource, blob)
);
`,
	// 36, dashboard (internal/dashboard): a tenant's dashboards of PromQL
	// panels. The panels and variables are one JSON document per dashboard
	// (always read and written whole); skipped is what a Grafana import
	// could not carry, kept to show on the dashboard's page.
	`CREATE TABLE dashboards (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	title       TEXT NOT NULL,
	description TEXT NOT NULL,
	time_range  TEXT NOT NULL,
	refresh     TEXT NOT NULL,
	variables   TEXT NOT NULL,
	panels      TEXT NOT NULL,
	skipped     TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (tenant_id, title)
);
`,
	// 37, statuspage (internal/statuspage): a tenant's public status page (off until enabled, under
	// its own slug) and the incident notices published on it, each with
	// its public updates; nothing else of an incident is public.
	`CREATE TABLE status_pages (
	tenant_id   TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
	slug        TEXT NOT NULL UNIQUE,
	enabled     INTEGER NOT NULL,
	title       TEXT NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE TABLE status_notices (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
	title       TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL,
	UNIQUE (tenant_id, incident_id)
);
CREATE TABLE status_updates (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	notice_id   INTEGER NOT NULL REFERENCES status_notices(id) ON DELETE CASCADE,
	body        TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  INTEGER NOT NULL
);
CREATE INDEX status_updates_notice ON status_updates(tenant_id, notice_id, created_at);
`,
	// 38, alert (internal/alert/silence.go): silences by label matcher, as
	// Alertmanager's: matchers as JSON, a time range; expiring one ends it now.
	`CREATE TABLE alert_silences (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id   TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	matchers    TEXT NOT NULL,
	starts_at   INTEGER NOT NULL,
	ends_at     INTEGER NOT NULL,
	comment     TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
);
CREATE INDEX alert_silences_tenant ON alert_silences(tenant_id, ends_at);
`,
	// 39, replicas (internal/lease, internal/outbox): who holds each piece of
	// work that must run once among replicas on one PostgreSQL (token is
	// the fencing token, raised at each change of owner), and the claim of
	// a delivery being sent, so a replica that dies mid-send leaves it to
	// the others once the claim expires instead of at its own restart.
	`CREATE TABLE leases (
	name        TEXT PRIMARY KEY,
	owner       TEXT NOT NULL,
	token       INTEGER NOT NULL,
	expires_at  INTEGER NOT NULL,
	acquired_at INTEGER NOT NULL
);
ALTER TABLE outbox_deliveries ADD COLUMN claim TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox_deliveries ADD COLUMN claim_until INTEGER NOT NULL DEFAULT 0;
`,
	// 40, cluster (internal/cluster): the replicas sharing this database,
	// each with the address it serves at and its last heartbeat, for the
	// cluster view and its self metrics. (On PostgreSQL the same entry adds
	// the trigger announcing token changes to every replica.)
	`CREATE TABLE replicas (
	id           TEXT PRIMARY KEY,
	address      TEXT NOT NULL,
	version      TEXT NOT NULL,
	started_at   INTEGER NOT NULL,
	heartbeat_at INTEGER NOT NULL,
	stopped_at   INTEGER
);
`,
	// 41, blueprint (internal/blueprint): per object a design apply wrote,
	// the hash of what it wrote and the commit it came from, so that a
	// later change by hand shows as drift.
	`CREATE TABLE design_objects (
	tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	kind       TEXT NOT NULL,
	object_key TEXT NOT NULL,
	hash       TEXT NOT NULL,
	commit_id  TEXT NOT NULL,
	applied_by TEXT NOT NULL,
	applied_at INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, kind, object_key)
);
`,
	// 42, monitoring (internal/monitoring/unregistered.go): the agents that
	// pulled a configuration as a host their tenant does not have, kept
	// across restarts for the console to offer registering; at most 50
	// hosts a tenant, a day old at most.
	`CREATE TABLE unregistered_hosts (
	tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	host      TEXT NOT NULL,
	remote    TEXT NOT NULL,
	count     INTEGER NOT NULL,
	first_at  INTEGER NOT NULL,
	last_at   INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, host)
);
CREATE INDEX unregistered_hosts_last ON unregistered_hosts(tenant_id, last_at);
`,
	// 43, backup and capacity alerts (internal/backup/signal.go,
	// internal/capacity/signal.go) name themselves in each language: the
	// names stored in both at once ("バックアップ失敗 / Backup failed: db")
	// become one a language in the alert's title, and the tenant's one
	// where an incident copied it; an incident opened by an alert keeps the
	// alert's title in both languages (titles), to show each reader theirs.
	`ALTER TABLE incidents ADD COLUMN titles TEXT NOT NULL DEFAULT '';
ALTER TABLE incident_alerts ADD COLUMN titles TEXT NOT NULL DEFAULT '';
UPDATE alerts SET title = REPLACE(REPLACE(title, '"ja":"バックアップRPO超過 / Backup RPO exceeded: ', '"ja":"バックアップRPO超過: '), '"en":"バックアップRPO超過 / Backup RPO exceeded: ', '"en":"Backup RPO exceeded: ') WHERE source = 'backup';
UPDATE alerts SET title = REPLACE(REPLACE(title, '"ja":"バックアップ失敗 / Backup failed: ', '"ja":"バックアップ失敗: '), '"en":"バックアップ失敗 / Backup failed: ', '"en":"Backup failed: ') WHERE source = 'backup';
UPDATE alerts SET title = REPLACE(REPLACE(title, '"ja":"バックアップ未実行 / Backup run missing: ', '"ja":"バックアップ未実行: '), '"en":"バックアップ未実行 / Backup run missing: ', '"en":"Backup run missing: ') WHERE source = 'backup';
UPDATE alerts SET title = REPLACE(REPLACE(title, '"ja":"バックアップサイズ異常 / Backup size anomaly: ', '"ja":"バックアップサイズ異常: '), '"en":"バックアップサイズ異常 / Backup size anomaly: ', '"en":"Backup size anomaly: ') WHERE source = 'backup';
UPDATE alerts SET title = REPLACE(REPLACE(title, '"ja":"バックアップ保持期間不足 / Backup retention short: ', '"ja":"バックアップ保持期間不足: '), '"en":"バックアップ保持期間不足 / Backup retention short: ', '"en":"Backup retention short: ') WHERE source = 'backup';
UPDATE alerts SET title = REPLACE(REPLACE(title, '"ja":"リカバリ訓練期限超過 / Restore test overdue: ', '"ja":"リカバリ訓練期限超過: '), '"en":"リカバリ訓練期限超過 / Restore test overdue: ', '"en":"Restore test overdue: ') WHERE source = 'backup';
UPDATE alerts SET title = REPLACE(REPLACE(title, '"ja":"運行ステップ失敗 / Capacity step failed: ', '"ja":"運行ステップ失敗: '), '"en":"運行ステップ失敗 / Capacity step failed: ', '"en":"Capacity step failed: ') WHERE source = 'capacity';
UPDATE incidents SET short_description = REPLACE(short_description, 'バックアップRPO超過 / Backup RPO exceeded: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incidents.tenant_id) = 'en' THEN 'Backup RPO exceeded: ' ELSE 'バックアップRPO超過: ' END)
	WHERE short_description LIKE '%バックアップRPO超過 / Backup RPO exceeded: %';
UPDATE incident_alerts SET title = REPLACE(title, 'バックアップRPO超過 / Backup RPO exceeded: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_alerts.tenant_id) = 'en' THEN 'Backup RPO exceeded: ' ELSE 'バックアップRPO超過: ' END)
	WHERE title LIKE '%バックアップRPO超過 / Backup RPO exceeded: %';
UPDATE incident_events SET body = REPLACE(body, 'バックアップRPO超過 / Backup RPO exceeded: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_events.tenant_id) = 'en' THEN 'Backup RPO exceeded: ' ELSE 'バックアップRPO超過: ' END)
	WHERE body LIKE '%バックアップRPO超過 / Backup RPO exceeded: %';
UPDATE incidents SET short_description = REPLACE(short_description, 'バックアップ失敗 / Backup failed: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incidents.tenant_id) = 'en' THEN 'Backup failed: ' ELSE 'バックアップ失敗: ' END)
	WHERE short_description LIKE '%バックアップ失敗 / Backup failed: %';
UPDATE incident_alerts SET title = REPLACE(title, 'バックアップ失敗 / Backup failed: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_alerts.tenant_id) = 'en' THEN 'Backup failed: ' ELSE 'バックアップ失敗: ' END)
	WHERE title LIKE '%バックアップ失敗 / Backup failed: %';
UPDATE incident_events SET body = REPLACE(body, 'バックアップ失敗 / Backup failed: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_events.tenant_id) = 'en' THEN 'Backup failed: ' ELSE 'バックアップ失敗: ' END)
	WHERE body LIKE '%バックアップ失敗 / Backup failed: %';
UPDATE incidents SET short_description = REPLACE(short_description, 'バックアップ未実行 / Backup run missing: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incidents.tenant_id) = 'en' THEN 'Backup run missing: ' ELSE 'バックアップ未実行: ' END)
	WHERE short_description LIKE '%バックアップ未実行 / Backup run missing: %';
UPDATE incident_alerts SET title = REPLACE(title, 'バックアップ未実行 / Backup run missing: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_alerts.tenant_id) = 'en' THEN 'Backup run missing: ' ELSE 'バックアップ未実行: ' END)
	WHERE title LIKE '%バックアップ未実行 / Backup run missing: %';
UPDATE incident_events SET body = REPLACE(body, 'バックアップ未実行 / Backup run missing: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_events.tenant_id) = 'en' THEN 'Backup run missing: ' ELSE 'バックアップ未実行: ' END)
	WHERE body LIKE '%バックアップ未実行 / Backup run missing: %';
UPDATE incidents SET short_description = REPLACE(short_description, 'バックアップサイズ異常 / Backup size anomaly: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incidents.tenant_id) = 'en' THEN 'Backup size anomaly: ' ELSE 'バックアップサイズ異常: ' END)
	WHERE short_description LIKE '%バックアップサイズ異常 / Backup size anomaly: %';
UPDATE incident_alerts SET title = REPLACE(title, 'バックアップサイズ異常 / Backup size anomaly: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_alerts.tenant_id) = 'en' THEN 'Backup size anomaly: ' ELSE 'バックアップサイズ異常: ' END)
	WHERE title LIKE '%バックアップサイズ異常 / Backup size anomaly: %';
UPDATE incident_events SET body = REPLACE(body, 'バックアップサイズ異常 / Backup size anomaly: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_events.tenant_id) = 'en' THEN 'Backup size anomaly: ' ELSE 'バックアップサイズ異常: ' END)
	WHERE body LIKE '%バックアップサイズ異常 / Backup size anomaly: %';
UPDATE incidents SET short_description = REPLACE(short_description, 'バックアップ保持期間不足 / Backup retention short: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incidents.tenant_id) = 'en' THEN 'Backup retention short: ' ELSE 'バックアップ保持期間不足: ' END)
	WHERE short_description LIKE '%バックアップ保持期間不足 / Backup retention short: %';
UPDATE incident_alerts SET title = REPLACE(title, 'バックアップ保持期間不足 / Backup retention short: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_alerts.tenant_id) = 'en' THEN 'Backup retention short: ' ELSE 'バックアップ保持期間不足: ' END)
	WHERE title LIKE '%バックアップ保持期間不足 / Backup retention short: %';
UPDATE incident_events SET body = REPLACE(body, 'バックアップ保持期間不足 / Backup retention short: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_events.tenant_id) = 'en' THEN 'Backup retention short: ' ELSE 'バックアップ保持期間不足: ' END)
	WHERE body LIKE '%バックアップ保持期間不足 / Backup retention short: %';
UPDATE incidents SET short_description = REPLACE(short_description, 'リカバリ訓練期限超過 / Restore test overdue: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incidents.tenant_id) = 'en' THEN 'Restore test overdue: ' ELSE 'リカバリ訓練期限超過: ' END)
	WHERE short_description LIKE '%リカバリ訓練期限超過 / Restore test overdue: %';
UPDATE incident_alerts SET title = REPLACE(title, 'リカバリ訓練期限超過 / Restore test overdue: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_alerts.tenant_id) = 'en' THEN 'Restore test overdue: ' ELSE 'リカバリ訓練期限超過: ' END)
	WHERE title LIKE '%リカバリ訓練期限超過 / Restore test overdue: %';
UPDATE incident_events SET body = REPLACE(body, 'リカバリ訓練期限超過 / Restore test overdue: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_events.tenant_id) = 'en' THEN 'Restore test overdue: ' ELSE 'リカバリ訓練期限超過: ' END)
	WHERE body LIKE '%リカバリ訓練期限超過 / Restore test overdue: %';
UPDATE incidents SET short_description = REPLACE(short_description, '運行ステップ失敗 / Capacity step failed: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incidents.tenant_id) = 'en' THEN 'Capacity step failed: ' ELSE '運行ステップ失敗: ' END)
	WHERE short_description LIKE '%運行ステップ失敗 / Capacity step failed: %';
UPDATE incident_alerts SET title = REPLACE(title, '運行ステップ失敗 / Capacity step failed: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_alerts.tenant_id) = 'en' THEN 'Capacity step failed: ' ELSE '運行ステップ失敗: ' END)
	WHERE title LIKE '%運行ステップ失敗 / Capacity step failed: %';
UPDATE incident_events SET body = REPLACE(body, '運行ステップ失敗 / Capacity step failed: ',
	CASE WHEN (SELECT language FROM tenants WHERE tenants.id = incident_events.tenant_id) = 'en' THEN 'Capacity step failed: ' ELSE '運行ステップ失敗: ' END)
	WHERE body LIKE '%運行ステップ失敗 / Capacity step failed: %';
`,
	// 44, alert summaries unyo writes (internal/backup/signal.go,
	// internal/capacity/signal.go, internal/snmptrap, internal/discovery)
	// in both languages: value_text keeps the English (the API's), and
	// value_texts both, "" for a rule's or a sender's words. The English
	// ones stored before stay: their variable parts (times, sizes, a job's
	// message) are no fixed phrase a statement could translate.
	`ALTER TABLE alerts ADD COLUMN value_texts TEXT NOT NULL DEFAULT '';
ALTER TABLE alert_events ADD COLUMN value_texts TEXT NOT NULL DEFAULT '';
`,
}

// SchemaVersion is the schema version this binary brings a database to.
func SchemaVersion() int { return len(migrations) }

// history returns the migrations of db's dialect.
func history(db *sql.DB) []string {
	if DialectOf(db) == Postgres {
		return postgresMigrations
	}
	return migrations
}

// Migrate applies the migrations the database has not seen, each in its own
// transaction, and refuses a database that is newer than this binary.
func Migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("database: cannot create schema_version: %w", err)
	}
	current, err := Version(ctx, db)
	if err != nil {
		return err
	}
	steps := history(db)
	if current > len(steps) {
		return fmt.Errorf("database: schema version %d is newer than this unyo knows (%d): upgrade unyo, do not downgrade", current, len(steps))
	}
	for v := current; v < len(steps); v++ {
		if err := apply(ctx, db, v+1, steps[v]); err != nil {
			return err
		}
	}
	return nil
}

// Version returns the schema version of db (0 for a new database).
func Version(ctx context.Context, db *sql.DB) (int, error) {
	var v sql.NullInt64
	if err := db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_version`).Scan(&v); err != nil {
		return 0, fmt.Errorf("database: cannot read schema version: %w", err)
	}
	return int(v.Int64), nil
}

func apply(ctx context.Context, db *sql.DB, version int, stmt string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("database: migration %d: %w", version, err)
	}
	defer tx.Rollback()
	// Statements without arguments: PostgreSQL takes several at once only so.
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("database: migration %d: %w", version, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return fmt.Errorf("database: migration %d: %w", version, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, version); err != nil {
		return fmt.Errorf("database: migration %d: %w", version, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("database: migration %d: %w", version, err)
	}
	return nil
}
