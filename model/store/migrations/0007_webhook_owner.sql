-- The test run a ledger row belongs to while it runs: its process, as the
-- engine writes it ("4242 started 123456"). Cleanup leaves a row whose run
-- is still alive to that run, which deletes the webhook itself; the run
-- clears it when it ends, and rows from before have none.
ALTER TABLE webhook_ledger ADD COLUMN owner TEXT NOT NULL DEFAULT '';
