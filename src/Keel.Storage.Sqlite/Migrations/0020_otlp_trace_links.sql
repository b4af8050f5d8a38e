-- OTLP ingestion (issue 6 bench): an ingested trace's task is named in time order (a UUID v7 of the time it is
-- ingested, as Keel's own tasks take theirs when created) instead of `task_` + its random trace id, so its task, step,
-- span and usage rows are appended near the newest pages of their task-keyed B-trees instead of landing on a random
-- page each. This table finds the task again by trace id. It is written in the transaction that creates the task; its
-- key refuses a second task for the same trace (two processes ingesting the same new trace at once: the later commit
-- fails and re-plans). Keyed by trace id alone, WITHOUT ROWID: one B-tree, about 80 bytes a trace, the only random-key
-- insert left per trace (~2 % of an ingested request's commit time on the bench). Tasks ingested before this migration
-- keep their `task_<trace id>` names and are found by that name.
CREATE TABLE otlp_traces (
    trace_id  TEXT PRIMARY KEY,
    task_id   TEXT NOT NULL
) WITHOUT ROWID;
