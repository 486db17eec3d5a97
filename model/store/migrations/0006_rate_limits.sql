-- Rate limits, in requests a second: the connector's, and a method's own,
-- which overrides it. 0 is no limit on a connector and the connector's on a
-- method, so rows from before keep running as they did.
ALTER TABLE connectors ADD COLUMN rate_limit REAL NOT NULL DEFAULT 0;
ALTER TABLE methods ADD COLUMN rate_limit REAL NOT NULL DEFAULT 0;
