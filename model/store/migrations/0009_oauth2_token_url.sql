-- An OAuth2 authentication's token endpoint and the scope asked for with
-- the token: a test run gets an access token there with the client
-- credentials grant.
ALTER TABLE auth_methods ADD COLUMN token_url TEXT NOT NULL DEFAULT '';
ALTER TABLE auth_methods ADD COLUMN scope TEXT NOT NULL DEFAULT '';
