-- Indexes for the task listing (newest first, filtered) and per-task trace reads.
CREATE INDEX tasks_by_created ON tasks (created_at DESC);
CREATE INDEX tasks_by_status ON tasks (status, created_at DESC);
CREATE INDEX tasks_by_agent ON tasks (agent, created_at DESC);
CREATE INDEX tasks_by_customer ON tasks (customer_id, created_at DESC);
CREATE INDEX spans_by_task ON spans (task_id, start_time);
CREATE INDEX usage_by_task ON usage_events (task_id);
