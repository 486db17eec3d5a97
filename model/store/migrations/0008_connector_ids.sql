-- The highest connector id ever given. A new connector's id is one more
-- than it, so that the id of a deleted connector is never given again: a
-- test run still going on when its connector was deleted keeps its
-- records under its own connector's name, not under a new connector that
-- would have taken the freed id.
CREATE TABLE connector_ids (last INTEGER NOT NULL);
INSERT INTO connector_ids (last) SELECT COALESCE(MAX(id), 0) FROM connectors;
