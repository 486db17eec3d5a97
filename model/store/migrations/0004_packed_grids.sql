-- A method's Request Format and Response Format grids and its parameters
-- move onto the method's row, one column each, rather than one row per field
-- or parameter. A large connector has thousands of them, and reading and
-- writing them as rows was most of the time a load or a save took.
--
-- Each column is a compact JSON array with one array per field or
-- parameter (see model/store/packed.go), its values in this order, flags
-- as 0 or 1:
--
--   request_fields, response_fields:
--     [connector_field, system_field, display_name, description, data_type,
--      is_hidden, is_optional, default_value]
--   parameters:
--     [target_type, target_name, display_name, description, is_hidden,
--      is_optional, is_sensitive, is_account_connector_property,
--      is_multiline, [value, ...]]
ALTER TABLE methods ADD COLUMN request_fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE methods ADD COLUMN response_fields TEXT NOT NULL DEFAULT '[]';
ALTER TABLE methods ADD COLUMN parameters TEXT NOT NULL DEFAULT '[]';

UPDATE methods SET
	request_fields = coalesce((
		SELECT json_group_array(json_array(connector_field, system_field, display_name,
			description, data_type, is_hidden, is_optional, default_value) ORDER BY position)
		FROM fields WHERE method_id = methods.id AND format = 'request'), '[]'),
	response_fields = coalesce((
		SELECT json_group_array(json_array(connector_field, system_field, display_name,
			description, data_type, is_hidden, is_optional, default_value) ORDER BY position)
		FROM fields WHERE method_id = methods.id AND format = 'response'), '[]'),
	parameters = coalesce((
		SELECT json_group_array(json_array(target_type, target_name, display_name,
			description, is_hidden, is_optional, is_sensitive, is_account_connector_property,
			is_multiline, json(values_json)) ORDER BY position)
		FROM parameters p WHERE p.method_id = methods.id), '[]');

DROP TABLE fields;

-- The parameters table keeps the connector's own parameters only.
CREATE TABLE connector_parameters (
	id                            INTEGER PRIMARY KEY,
	connector_id                  INTEGER NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
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
	UNIQUE (connector_id, position)
);

INSERT INTO connector_parameters (id, connector_id, position, target_type, target_name,
	display_name, description, is_hidden, is_optional, is_sensitive,
	is_account_connector_property, is_multiline, values_json)
SELECT id, connector_id, position, target_type, target_name,
	display_name, description, is_hidden, is_optional, is_sensitive,
	is_account_connector_property, is_multiline, values_json
FROM parameters WHERE connector_id IS NOT NULL;

DROP TABLE parameters;
ALTER TABLE connector_parameters RENAME TO parameters;
