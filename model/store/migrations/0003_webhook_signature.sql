-- Signature verification of webhook deliveries, configured on a Webhook
-- method: the header, the HMAC algorithm and encoding, a prefix, and where
-- the secret comes from (a parameter or a field of the create response).
ALTER TABLE methods ADD COLUMN sig_header TEXT NOT NULL DEFAULT '';
ALTER TABLE methods ADD COLUMN sig_algorithm TEXT NOT NULL DEFAULT '';
ALTER TABLE methods ADD COLUMN sig_encoding TEXT NOT NULL DEFAULT '';
ALTER TABLE methods ADD COLUMN sig_prefix TEXT NOT NULL DEFAULT '';
ALTER TABLE methods ADD COLUMN sig_secret_parameter TEXT NOT NULL DEFAULT '';
ALTER TABLE methods ADD COLUMN sig_secret_response_field TEXT NOT NULL DEFAULT '';
