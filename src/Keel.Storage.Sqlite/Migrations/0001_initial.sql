-- Keel's embedded schema, first cut. Times are unix microseconds (UTC); money is integer nano-USD so that sums
-- in SQL stay exact.
CREATE TABLE customers (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    created_at   INTEGER NOT NULL
);

CREATE TABLE tasks (
    id             TEXT PRIMARY KEY,
    customer_id    TEXT NOT NULL REFERENCES customers(id),
    session_id     TEXT REFERENCES sessions(id),
    parent_id      TEXT REFERENCES tasks(id),
    agent          TEXT NOT NULL,
    status         TEXT NOT NULL,
    input          TEXT,
    output         TEXT,
    error          TEXT,
    created_at     INTEGER NOT NULL,
    started_at     INTEGER,
    ended_at       INTEGER,
    -- Totals kept by each step's commit, so listings never aggregate the journal.
    steps          INTEGER NOT NULL DEFAULT 0,
    model_calls    INTEGER NOT NULL DEFAULT 0,
    retries        INTEGER NOT NULL DEFAULT 0,
    fallbacks      INTEGER NOT NULL DEFAULT 0,
    input_tokens   INTEGER NOT NULL DEFAULT 0,
    output_tokens  INTEGER NOT NULL DEFAULT 0,
    cost_nanousd   INTEGER NOT NULL DEFAULT 0
);

-- The journal: one row per completed step, the replay source of truth.
CREATE TABLE steps (
    task_id        TEXT NOT NULL REFERENCES tasks(id),
    seq            INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL,
    attempts       INTEGER NOT NULL,
    fallbacks      INTEGER NOT NULL,
    result         TEXT,
    error          TEXT,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    cost_nanousd   INTEGER NOT NULL CHECK (cost_nanousd >= 0),
    started_at     INTEGER NOT NULL,
    ended_at       INTEGER NOT NULL,
    PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;

CREATE TABLE spans (
    span_id         TEXT PRIMARY KEY,
    trace_id        TEXT NOT NULL,
    parent_span_id  TEXT,
    task_id         TEXT NOT NULL REFERENCES tasks(id),
    step_seq        INTEGER,
    name            TEXT NOT NULL,
    start_time      INTEGER NOT NULL,
    end_time        INTEGER NOT NULL,
    status          TEXT NOT NULL,
    status_message  TEXT,
    attributes      TEXT NOT NULL,
    snapshot_id     TEXT REFERENCES context_snapshots(id)
);

-- Content-addressed storage: each distinct message once, under the SHA-256 of its bytes.
CREATE TABLE blobs (
    hash     TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    content  BLOB NOT NULL
) WITHOUT ROWID;

-- A context window: the ordered message hashes, 32 raw bytes each.
CREATE TABLE context_snapshots (
    id      TEXT PRIMARY KEY,
    hashes  BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE usage_events (
    idempotency_key      TEXT PRIMARY KEY,
    customer_id          TEXT NOT NULL REFERENCES customers(id),
    task_id              TEXT REFERENCES tasks(id),
    step_seq             INTEGER,
    kind                 TEXT NOT NULL,
    resource             TEXT NOT NULL,
    deployment           TEXT,
    input_tokens         INTEGER NOT NULL,
    cached_input_tokens  INTEGER NOT NULL,
    output_tokens        INTEGER NOT NULL,
    quantity             TEXT NOT NULL,
    cost_nanousd         INTEGER NOT NULL CHECK (cost_nanousd >= 0),
    created_at           INTEGER NOT NULL
) WITHOUT ROWID;
