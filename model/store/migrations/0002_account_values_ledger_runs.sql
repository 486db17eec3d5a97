-- Account values: what a test run uses with a connector (auth values and
-- Account Connector Property values). Kept locally, never exported.
CREATE TABLE account_values (
	connector_id INTEGER NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
	key          TEXT NOT NULL CHECK (key <> ''),
	value        TEXT NOT NULL,
	PRIMARY KEY (connector_id, key)
);

-- The webhook ledger: every webhook Patchbay created on an API. Rows name
-- the connector and method by text, not by key, so that a row outlives any
-- edit or deletion of the connector: a pending webhook is never forgotten.
-- deleted_at is NULL while the webhook may still exist on the API.
CREATE TABLE webhook_ledger (
	id          INTEGER PRIMARY KEY,
	connector   TEXT NOT NULL,
	method      TEXT NOT NULL,
	webhook_id  TEXT NOT NULL,
	url         TEXT NOT NULL,
	run_values  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(run_values) AND json_type(run_values) = 'object'),
	created_at  TEXT NOT NULL,
	deleted_at  TEXT,
	last_error  TEXT NOT NULL DEFAULT ''
);

CREATE INDEX webhook_ledger_pending ON webhook_ledger (created_at) WHERE deleted_at IS NULL;

-- Run history: each test run's structured log (JSON, secrets already
-- masked). Keyed by connector name text, like the ledger.
CREATE TABLE runs (
	id          INTEGER PRIMARY KEY,
	connector   TEXT NOT NULL,
	method      TEXT NOT NULL,
	kind        TEXT NOT NULL,
	started_at  TEXT NOT NULL,
	finished_at TEXT,
	ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
	log         TEXT CHECK (log IS NULL OR json_valid(log))
);

CREATE INDEX runs_connector_started ON runs (connector, started_at);
