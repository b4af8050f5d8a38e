-- Spans clustered by task: one B-tree keyed (task_id, span_id) instead of a rowid table plus two indexes.
-- Task ids grow with time (UUID v7), so inserts append instead of landing on random pages, and a task's spans
-- are read from one contiguous range. Span ids stay unique within their task, which is what the trace needs.
CREATE TABLE spans_by_task_clustered (
    task_id         TEXT NOT NULL REFERENCES tasks(id),
    span_id         TEXT NOT NULL,
    trace_id        TEXT NOT NULL,
    parent_span_id  TEXT,
    step_seq        INTEGER,
    name            TEXT NOT NULL,
    start_time      INTEGER NOT NULL,
    end_time        INTEGER NOT NULL,
    status          TEXT NOT NULL,
    status_message  TEXT,
    attributes      TEXT NOT NULL,
    snapshot_id     TEXT REFERENCES context_snapshots(id),
    PRIMARY KEY (task_id, span_id)
) WITHOUT ROWID;

INSERT INTO spans_by_task_clustered
SELECT task_id, span_id, trace_id, parent_span_id, step_seq, name, start_time, end_time, status, status_message, attributes, snapshot_id
FROM spans;

DROP TABLE spans;
ALTER TABLE spans_by_task_clustered RENAME TO spans;
