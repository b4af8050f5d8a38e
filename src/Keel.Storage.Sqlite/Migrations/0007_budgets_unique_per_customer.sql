-- Agent names are per customer: two customers' "support" agents each have a budget of their own, so a budget is
-- unique per (scope, customer_id, scope_id), not per (scope, scope_id). SQLite cannot drop a table constraint, so
-- the table is rebuilt. budget_events refers to budgets by id: its foreign keys are checked at commit, once the
-- rows are back under the same ids.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE budgets_before_0007 AS SELECT * FROM budgets;
DROP TABLE budgets;

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
    UNIQUE (scope, customer_id, scope_id)
);

INSERT INTO budgets (id, scope, scope_id, customer_id, limit_nanousd, period, thresholds, webhook_url, created_at)
SELECT id, scope, scope_id, customer_id, limit_nanousd, period, thresholds, webhook_url, created_at FROM budgets_before_0007;
DROP TABLE budgets_before_0007;
