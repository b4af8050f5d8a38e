-- Human oversight (priced at each customer's hourly rate) and task outcomes.
ALTER TABLE customers ADD COLUMN human_rate_nanousd_per_hour INTEGER;

ALTER TABLE tasks ADD COLUMN outcome TEXT;
ALTER TABLE tasks ADD COLUMN outcome_value TEXT;
ALTER TABLE tasks ADD COLUMN outcome_at INTEGER;

CREATE TABLE interventions (
    id           TEXT PRIMARY KEY,
    task_id      TEXT NOT NULL REFERENCES tasks(id),
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    step_seq     INTEGER,
    actor        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    decision     TEXT,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER NOT NULL,
    note         TEXT
);
CREATE INDEX interventions_by_task ON interventions (task_id, started_at);
