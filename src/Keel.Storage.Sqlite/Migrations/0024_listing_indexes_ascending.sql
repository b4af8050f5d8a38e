-- The task listing's indexes, ascending. Written newest-first (created_at DESC), every new task went in at the LEFT
-- end of five B-trees, where SQLite has no append path: each full leaf was split in the middle, so the indexes sat
-- about half empty (dbstat on the gateway bench: 243 B of pages per task for 111 B of entries) and every split
-- rewrote two pages. Ascending, a new task is an append at the right end (SQLite's quick balance, full pages). The
-- listing reads them backwards for ORDER BY created_at DESC: the same plans, no sort added.
DROP INDEX tasks_by_created;
DROP INDEX tasks_by_status;
DROP INDEX tasks_by_agent;
DROP INDEX tasks_by_customer;
DROP INDEX tasks_by_session;
CREATE INDEX tasks_by_created ON tasks (created_at);
CREATE INDEX tasks_by_status ON tasks (status, created_at);
CREATE INDEX tasks_by_agent ON tasks (agent, created_at);
CREATE INDEX tasks_by_customer ON tasks (customer_id, created_at);
CREATE INDEX tasks_by_session ON tasks (session_id, created_at) WHERE session_id IS NOT NULL;
