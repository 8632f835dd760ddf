-- The PostgreSQL form of migrations/V2__secret_key_scheme.sql.
-- How the secret key (SK) of a Huawei-style AK/SK pair is derived from the server's secret.
-- Scheme 1, attache 0.1.0's, repeated the SK's first 8 characters at its end; pairs made from
-- now on use scheme 2. Pairs keep the scheme they were made with, so their SKs never change.
-- NULL for API keys. Every AK/SK pair that exists now was made by 0.1.0: its prefix is the AK
-- itself, while an API key's prefix starts with its `atk_`.
-- SQLite's LIKE ignores the case of ASCII letters and PostgreSQL's does not, while ILIKE also
-- folds other letters by the locale: the pattern spells out both cases of each letter.
ALTER TABLE api_keys ADD COLUMN sk_scheme BIGINT;
UPDATE api_keys SET sk_scheme = 1 WHERE prefix !~ '^[Aa][Tt][Kk]_';
