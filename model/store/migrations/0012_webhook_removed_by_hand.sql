-- A ledger row the author marked removed (webhook forget, Mark removed in
-- the window): the webhook was taken off the API by hand, not deleted by
-- Patchbay. Listed so, rows from before read as deleted.
ALTER TABLE webhook_ledger ADD COLUMN removed_by_hand INTEGER NOT NULL DEFAULT 0;
