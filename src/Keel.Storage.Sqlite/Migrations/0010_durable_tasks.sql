-- Durable tasks: leases, timers, child tasks, forks, and the approvals a task can wait for.
ALTER TABLE tasks ADD COLUMN parent_step INTEGER;
ALTER TABLE tasks ADD COLUMN forked_from TEXT REFERENCES tasks(id);
ALTER TABLE tasks ADD COLUMN forked_at_step INTEGER;
ALTER TABLE tasks ADD COLUMN model_override TEXT;
ALTER TABLE tasks ADD COLUMN wake_at INTEGER;
ALTER TABLE tasks ADD COLUMN lease_owner TEXT;
ALTER TABLE tasks ADD COLUMN lease_expires_at INTEGER;
-- When a worker may take the task: a pending task from its creation, a running one when its lease expires, a
-- waiting one at its wake time. NULL never: finished, running without a lease (a gateway call), or waiting for an
-- event. One column and one partial index make the claim a single index seek.
ALTER TABLE tasks ADD COLUMN due_at INTEGER;
CREATE INDEX tasks_due ON tasks (due_at) WHERE due_at IS NOT NULL;
CREATE INDEX tasks_children ON tasks (parent_id, parent_step) WHERE parent_id IS NOT NULL;
CREATE INDEX tasks_leased ON tasks (lease_owner) WHERE lease_owner IS NOT NULL;

CREATE TABLE approvals (
    task_id         TEXT NOT NULL REFERENCES tasks(id),
    seq             INTEGER NOT NULL,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    request         TEXT NOT NULL,
    requested_at    INTEGER NOT NULL,
    timeout_at      INTEGER,
    status          TEXT NOT NULL,
    decided_by      TEXT,
    decided_at      INTEGER,
    note            TEXT,
    review_seconds  REAL,
    PRIMARY KEY (task_id, seq)
) WITHOUT ROWID;
CREATE INDEX approvals_by_status ON approvals (status, requested_at);
