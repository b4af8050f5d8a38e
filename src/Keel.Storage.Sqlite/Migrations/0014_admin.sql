-- Server settings, one row per key. The admin token that guards the dashboard is kept as the SHA-256 of its secret.
CREATE TABLE settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- The dashboard's task filters that the listing indexes of migration 2 do not serve: a session's tasks, newest first;
-- and "tasks that called this model", by the model (in usage) or the alias the call asked for (a model step's name),
-- one covering seek per task each: scanning 100,000 tasks for a model none used takes a tenth of a second, where
-- reading their usage rows and spans took seconds.
CREATE INDEX tasks_by_session ON tasks (session_id, created_at DESC) WHERE session_id IS NOT NULL;
CREATE INDEX usage_by_model ON usage_events (resource, task_id) WHERE kind = 'model';
CREATE INDEX steps_by_model ON steps (name, task_id) WHERE kind = 'model';
