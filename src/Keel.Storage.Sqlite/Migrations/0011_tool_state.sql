-- Versioned tool state. The customer leads every key, whatever the scope, so tenants are walled by the key itself.
-- tool_state holds the current version of each value (one seek for a read or a compare-and-set); every version,
-- the current one included, is also in tool_state_history.
CREATE TABLE tool_state (
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    scope        TEXT NOT NULL CHECK (scope IN ('customer', 'session', 'task')),
    scope_id     TEXT NOT NULL,
    tool         TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL CHECK (json_valid(value)),
    version      INTEGER NOT NULL CHECK (version >= 1),
    updated_at   INTEGER NOT NULL,
    task_id      TEXT,
    step_seq     INTEGER,
    PRIMARY KEY (customer_id, scope, scope_id, tool, key)
) WITHOUT ROWID;

CREATE TABLE tool_state_history (
    customer_id  TEXT NOT NULL,
    scope        TEXT NOT NULL,
    scope_id     TEXT NOT NULL,
    tool         TEXT NOT NULL,
    key          TEXT NOT NULL,
    version      INTEGER NOT NULL,
    value        TEXT NOT NULL,
    updated_at   INTEGER NOT NULL,
    task_id      TEXT,
    step_seq     INTEGER,
    PRIMARY KEY (customer_id, scope, scope_id, tool, key, version)
) WITHOUT ROWID;
