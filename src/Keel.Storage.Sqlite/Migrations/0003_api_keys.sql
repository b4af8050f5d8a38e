-- Virtual API keys for the gateway. Only the SHA-256 of each secret is stored.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    secret_hash  TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    name         TEXT,
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);
