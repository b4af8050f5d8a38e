-- Budgets and their threshold events, and the usage attribution budgets sum over.
ALTER TABLE usage_events ADD COLUMN api_key_id TEXT;
ALTER TABLE usage_events ADD COLUMN session_id TEXT;
ALTER TABLE usage_events ADD COLUMN agent TEXT;

CREATE INDEX usage_by_customer_time ON usage_events (customer_id, created_at);
CREATE INDEX usage_by_key_time ON usage_events (api_key_id, created_at) WHERE api_key_id IS NOT NULL;
CREATE INDEX usage_by_session_time ON usage_events (session_id, created_at) WHERE session_id IS NOT NULL;
CREATE INDEX usage_by_agent_time ON usage_events (customer_id, agent, created_at) WHERE agent IS NOT NULL;

CREATE TABLE budgets (
    id            TEXT PRIMARY KEY,
    scope         TEXT NOT NULL,
    scope_id      TEXT NOT NULL,
    customer_id   TEXT NOT NULL REFERENCES customers(id),
    limit_nanousd INTEGER NOT NULL CHECK (limit_nanousd >= 0),
    period        TEXT NOT NULL,
    thresholds    TEXT NOT NULL,
    webhook_url   TEXT,
    created_at    INTEGER NOT NULL,
    UNIQUE (scope, scope_id)
);

-- One row per budget, threshold and period: an alert fires once, even across restarts.
CREATE TABLE budget_events (
    id            TEXT PRIMARY KEY,
    budget_id     TEXT NOT NULL REFERENCES budgets(id),
    threshold     TEXT NOT NULL,
    spent_nanousd INTEGER NOT NULL,
    limit_nanousd INTEGER NOT NULL,
    period_start  INTEGER NOT NULL,
    at            INTEGER NOT NULL,
    UNIQUE (budget_id, threshold, period_start)
);
