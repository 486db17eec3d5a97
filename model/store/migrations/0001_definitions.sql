-- Connector definitions, normalized. Every list keeps its order in a
-- position column (0-based) that is unique within its owner, and every child
-- row goes when its owner goes (ON DELETE CASCADE).
--
-- Enumerations (auth_type, method_type, data_type, target_type) are plain
-- text on purpose: the designer saves drafts as they are, mistakes included,
-- and lint reports them. Method names are not unique for the same reason, and
-- Create/Delete Webhook Method are names, not keys: they may dangle.

CREATE TABLE connectors (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE CHECK (name <> ''),
	description TEXT NOT NULL DEFAULT '',
	api_version TEXT NOT NULL DEFAULT '',
	script      TEXT NOT NULL DEFAULT '',
	updated_at  TEXT NOT NULL
);

CREATE TABLE auth_methods (
	id                      INTEGER PRIMARY KEY,
	connector_id            INTEGER NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
	position                INTEGER NOT NULL CHECK (position >= 0),
	auth_name               TEXT NOT NULL,
	auth_type               TEXT NOT NULL,
	api_key_header          TEXT NOT NULL DEFAULT '',
	api_key_query_parameter TEXT NOT NULL DEFAULT '',
	is_default              INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
	UNIQUE (connector_id, position)
);

CREATE TABLE methods (
	id                    INTEGER PRIMARY KEY,
	connector_id          INTEGER NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
	position              INTEGER NOT NULL CHECK (position >= 0),
	name                  TEXT NOT NULL,
	description           TEXT NOT NULL DEFAULT '',
	category              TEXT NOT NULL DEFAULT '',
	method_type           TEXT NOT NULL,
	http_method           TEXT NOT NULL DEFAULT '',
	data_type             TEXT NOT NULL DEFAULT '',
	endpoint              TEXT NOT NULL DEFAULT '',
	ignore_authentication INTEGER NOT NULL DEFAULT 0 CHECK (ignore_authentication IN (0, 1)),
	hide                  INTEGER NOT NULL DEFAULT 0 CHECK (hide IN (0, 1)),
	create_webhook_method TEXT NOT NULL DEFAULT '',
	delete_webhook_method TEXT NOT NULL DEFAULT '',
	script                TEXT NOT NULL DEFAULT '',
	UNIQUE (connector_id, position)
);

-- fields are the rows of a method's Request Format or Response Format grid.
CREATE TABLE fields (
	id              INTEGER PRIMARY KEY,
	method_id       INTEGER NOT NULL REFERENCES methods (id) ON DELETE CASCADE,
	format          TEXT NOT NULL CHECK (format IN ('request', 'response')),
	position        INTEGER NOT NULL CHECK (position >= 0),
	connector_field TEXT NOT NULL,
	system_field    TEXT NOT NULL DEFAULT '',
	display_name    TEXT NOT NULL DEFAULT '',
	description     TEXT NOT NULL DEFAULT '',
	data_type       TEXT NOT NULL,
	is_hidden       INTEGER NOT NULL DEFAULT 0 CHECK (is_hidden IN (0, 1)),
	is_optional     INTEGER NOT NULL DEFAULT 0 CHECK (is_optional IN (0, 1)),
	default_value   TEXT NOT NULL DEFAULT '',
	UNIQUE (method_id, format, position)
);

-- parameters belong to exactly one of a connector or a method; values_json
-- is the Values list as a JSON array of strings.
CREATE TABLE parameters (
	id                            INTEGER PRIMARY KEY,
	connector_id                  INTEGER REFERENCES connectors (id) ON DELETE CASCADE,
	method_id                     INTEGER REFERENCES methods (id) ON DELETE CASCADE,
	position                      INTEGER NOT NULL CHECK (position >= 0),
	target_type                   TEXT NOT NULL,
	target_name                   TEXT NOT NULL,
	display_name                  TEXT NOT NULL DEFAULT '',
	description                   TEXT NOT NULL DEFAULT '',
	is_hidden                     INTEGER NOT NULL DEFAULT 0 CHECK (is_hidden IN (0, 1)),
	is_optional                   INTEGER NOT NULL DEFAULT 0 CHECK (is_optional IN (0, 1)),
	is_sensitive                  INTEGER NOT NULL DEFAULT 0 CHECK (is_sensitive IN (0, 1)),
	is_account_connector_property INTEGER NOT NULL DEFAULT 0 CHECK (is_account_connector_property IN (0, 1)),
	is_multiline                  INTEGER NOT NULL DEFAULT 0 CHECK (is_multiline IN (0, 1)),
	values_json                   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(values_json) AND json_type(values_json) = 'array'),
	CHECK ((connector_id IS NULL) <> (method_id IS NULL))
);

CREATE UNIQUE INDEX parameters_connector_position ON parameters (connector_id, position) WHERE connector_id IS NOT NULL;
CREATE UNIQUE INDEX parameters_method_position ON parameters (method_id, position) WHERE method_id IS NOT NULL;
