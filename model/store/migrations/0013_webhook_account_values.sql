-- The account's values that are no secret (a BaseUrl, a Region) when the
-- webhook was made, apart from the run's own inputs (run_values): a
-- cleanup lays them over the account values of its day, so that the
-- delete goes to the API the webhook was made on. Rows from before keep
-- none and use the account values of the day.
ALTER TABLE webhook_ledger ADD COLUMN account_values TEXT NOT NULL DEFAULT '{}';
