-- The ledger also names the Delete Webhook Method a webhook was created
-- with, so that cleanup can delete the webhook after its Webhook method was
-- renamed or removed. Rows from before keep '' and cleanup goes through
-- their Webhook method, as it always did.
ALTER TABLE webhook_ledger ADD COLUMN delete_method TEXT NOT NULL DEFAULT '';
