-- Usage recorded before migration 5 has no agent or session of its own: take them from its task, so that agent
-- and session budgets set after an upgrade count that spending too.
UPDATE usage_events
SET agent = (SELECT t.agent FROM tasks t WHERE t.id = usage_events.task_id)
WHERE agent IS NULL AND task_id IS NOT NULL;

UPDATE usage_events
SET session_id = (SELECT t.session_id FROM tasks t WHERE t.id = usage_events.task_id)
WHERE session_id IS NULL AND task_id IS NOT NULL;
