-- New trace links are appended here instead of inserted into otlp_traces. otlp_traces is keyed by the random trace
-- id, so each of a request's 64 new traces dirtied a page of its own there: a third of the pages an ingestion commit
-- wrote once the other indexes were made to append (migration 21). This log is appended to in order (one page per
-- request); each process keeps the links it holds in memory (RecentTraceLinks), reading only the rows added after
-- those it has seen, and the writer moves them into otlp_traces in one sorted pass every 16,384 links, where they touch
-- each page of that table once instead of once per link. AUTOINCREMENT, so that a seq is never reused after the log
-- is emptied: processes read "the rows after the last seq I saw".
CREATE TABLE otlp_trace_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    trace_id  TEXT NOT NULL,
    task_id   TEXT NOT NULL
);
