-- OAuth2 refresh token grants shared by every Patchbay on this database.
-- A provider that rotates refresh tokens spends each one once, so two
-- processes refreshing with the same token at once would leave one of them
-- with a spent token (and some providers then revoke the whole family).
--
-- refresh_turns: who is refreshing a token at a token endpoint now. The
-- endpoint is kept as the SHA-256 of its URL, in hex; holder names the run
-- (its process, as the ledger's owner column does) and taken_at when it
-- took the turn, so that a turn whose process ended is taken over.
CREATE TABLE refresh_turns (
	endpoint TEXT PRIMARY KEY,
	holder   TEXT NOT NULL,
	taken_at TEXT NOT NULL
);

-- rotated_refresh_tokens: which token replaced a spent one, for a run
-- that began from the spent one in another process. The spent token is
-- kept only as its SHA-256; rows older than a day are dropped.
CREATE TABLE rotated_refresh_tokens (
	endpoint   TEXT NOT NULL,
	spent      TEXT NOT NULL,
	next       TEXT NOT NULL,
	rotated_at TEXT NOT NULL,
	PRIMARY KEY (endpoint, spent)
);
