-- The highest method id ever given, as connector_ids keeps the highest
-- connector id: a method's id is never given again, so that a copy of a
-- connector saved from an older window cannot take a newer method for
-- one of its own and move that method's runs under its name.
CREATE TABLE method_ids (last INTEGER NOT NULL);
INSERT INTO method_ids (last) SELECT COALESCE(MAX(id), 0) FROM methods;
