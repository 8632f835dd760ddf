-- How the secret key (SK) of a Huawei-style AK/SK pair is derived from the server's secret.
-- Scheme 1, attache 0.1.0's, repeated the SK's first 8 characters at its end; pairs made from
-- now on use scheme 2. Pairs keep the scheme they were made with, so their SKs never change.
-- NULL for API keys. Every AK/SK pair that exists now was made by 0.1.0: its prefix is the AK
-- itself, while an API key's prefix starts with its `atk_`.
ALTER TABLE api_keys ADD COLUMN sk_scheme INTEGER;
UPDATE api_keys SET sk_scheme = 1 WHERE prefix NOT LIKE 'atk\_%' ESCAPE '\';
