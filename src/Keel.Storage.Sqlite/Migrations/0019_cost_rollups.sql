-- Cost rollups (issue 6 bench): the costs page read every usage event since its start (214,000 of them on the
-- 100,000-task bench, 340 ms), joined each to its task and counted distinct tasks in temporary B-trees. These
-- tables keep what it needs per UTC day, customer, agent, kind and resource, up to date in the same transaction as
-- the usage rows: the journal writer, the only writer of usage rows, adds what a transaction inserted just before it
-- commits (Journal/CostRollupWriter.cs: a cell upserted once per transaction, a task's last days read once; a trigger
-- per usage row cost 50-100 µs a row). Usage inserted by hand in SQL is not rolled up. The page reads the days it
-- covers whole from here and only the part-day at its start from usage_events (see SqliteKeelStore.Costs.cs). A day,
-- not an hour: the page groups by UTC day and asks for the last 7, 30 or 90 days, and an hour would multiply the rows
-- it reads (43,000 day cells on the bench, 87,000 hour cells) to save reading at most one day of raw usage.
--
-- Costs, tokens and quantities add up. Distinct tasks do not (a task spans models, days, agents), so each cell also
-- counts, per grouping, the tasks whose LAST DAY of usage in that group (this customer's, this day's, this agent's,
-- this model's) is the cell's day: a task has usage in a group since a day boundary exactly when its last day there
-- is on or after it, and it is counted once. cost_rollup_last remembers, per task and group, that day and which of
-- its cells holds the count, so usage on a later day moves the count, and an outcome that turns to (or from)
-- success moves the success counts. Within a day the count stays where it is: the row is written once per task and
-- group on most days, not at every usage row.
CREATE TABLE cost_rollup (
    day                  INTEGER NOT NULL, -- UTC day: created_at / 86,400,000,000
    customer_id          TEXT NOT NULL,
    agent                TEXT NOT NULL,    -- the usage's agent, else its task's, else '(none)'
    kind                 TEXT NOT NULL,
    resource             TEXT NOT NULL,
    events               INTEGER NOT NULL DEFAULT 0,
    cost_nanousd         INTEGER NOT NULL DEFAULT 0,
    input_tokens         INTEGER NOT NULL DEFAULT 0,
    cached_input_tokens  INTEGER NOT NULL DEFAULT 0,
    output_tokens        INTEGER NOT NULL DEFAULT 0,
    quantity             REAL NOT NULL DEFAULT 0,
    customer_tasks       INTEGER NOT NULL DEFAULT 0,
    customer_successes   INTEGER NOT NULL DEFAULT 0,
    day_tasks            INTEGER NOT NULL DEFAULT 0,
    day_successes        INTEGER NOT NULL DEFAULT 0,
    agent_tasks          INTEGER NOT NULL DEFAULT 0,
    agent_successes      INTEGER NOT NULL DEFAULT 0,
    model_tasks          INTEGER NOT NULL DEFAULT 0,
    model_successes      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, customer_id, agent, kind, resource)
) WITHOUT ROWID;

-- A customer's key sees only its own costs. (Counter updates leave the index alone: it changes with new cells only.)
CREATE INDEX cost_rollup_by_customer ON cost_rollup (customer_id, day);

-- Per task and group ('c' the customer, 'd' a day, 'a' an agent, 'm' a model or '(kind)'), the last day of its usage
-- there and the cell of that day that counts the task for the group.
CREATE TABLE cost_rollup_last (
    task_id      TEXT NOT NULL,
    grouping     TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    group_key    NOT NULL,
    day          INTEGER NOT NULL,
    agent        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    resource     TEXT NOT NULL,
    PRIMARY KEY (task_id, grouping, customer_id, group_key)
) WITHOUT ROWID;

-- Tasks with usage under more than one customer: every group above is per customer, so a report over all customers
-- would count such a task once per customer. The runtime never writes them (usage is its task's customer's); if one
-- exists, a report over all customers reads usage_events instead.
CREATE TABLE cost_rollup_split_tasks (task_id TEXT PRIMARY KEY) WITHOUT ROWID;

INSERT INTO cost_rollup (day, customer_id, agent, kind, resource, events, cost_nanousd, input_tokens, cached_input_tokens, output_tokens, quantity)
SELECT u.created_at / 86400000000, u.customer_id, coalesce(u.agent, t.agent, '(none)'), u.kind, u.resource,
       count(*), sum(u.cost_nanousd), sum(u.input_tokens), sum(u.cached_input_tokens), sum(u.output_tokens), sum(CAST(u.quantity AS REAL))
FROM usage_events u LEFT JOIN tasks t ON t.id = u.task_id
GROUP BY 1, 2, 3, 4, 5;

-- max() makes SQLite take the other columns from that row: a cell of the last day.
INSERT INTO cost_rollup_last (task_id, grouping, customer_id, group_key, day, agent, kind, resource)
SELECT task_id, g.column1, customer_id,
       CASE g.column1 WHEN 'c' THEN '' WHEN 'd' THEN created_at / 86400000000 WHEN 'a' THEN agent
                      ELSE CASE kind WHEN 'model' THEN resource ELSE '(' || kind || ')' END END,
       max(created_at) / 86400000000, agent, kind, resource
FROM (SELECT u.task_id, u.customer_id, u.created_at, coalesce(u.agent, t.agent, '(none)') AS agent, u.kind, u.resource
      FROM usage_events u JOIN tasks t ON t.id = u.task_id) AS e
CROSS JOIN (VALUES ('c'), ('d'), ('a'), ('m')) AS g
GROUP BY 1, 2, 3, 4;

UPDATE cost_rollup
SET customer_tasks = o.c, customer_successes = o.cs, day_tasks = o.d, day_successes = o.ds,
    agent_tasks = o.a, agent_successes = o.as_, model_tasks = o.m, model_successes = o.ms
FROM (SELECT l.day, l.customer_id, l.agent, l.kind, l.resource,
             sum(l.grouping = 'c') AS c, sum(l.grouping = 'c' AND t.outcome IS 'success') AS cs,
             sum(l.grouping = 'd') AS d, sum(l.grouping = 'd' AND t.outcome IS 'success') AS ds,
             sum(l.grouping = 'a') AS a, sum(l.grouping = 'a' AND t.outcome IS 'success') AS as_,
             sum(l.grouping = 'm') AS m, sum(l.grouping = 'm' AND t.outcome IS 'success') AS ms
      FROM cost_rollup_last l JOIN tasks t ON t.id = l.task_id
      GROUP BY 1, 2, 3, 4, 5) AS o
WHERE cost_rollup.day = o.day AND cost_rollup.customer_id = o.customer_id AND cost_rollup.agent = o.agent
  AND cost_rollup.kind = o.kind AND cost_rollup.resource = o.resource;

INSERT INTO cost_rollup_split_tasks (task_id)
SELECT task_id FROM cost_rollup_last WHERE grouping = 'c' GROUP BY task_id HAVING count(*) > 1;

-- An outcome that turns to or from success moves the task's success counts wherever it is counted.
CREATE TRIGGER cost_rollup_on_outcome AFTER UPDATE OF outcome ON tasks
WHEN (old.outcome IS 'success') <> (new.outcome IS 'success')
BEGIN
    UPDATE cost_rollup
    SET customer_successes = customer_successes + o.sign * o.c, day_successes = day_successes + o.sign * o.d,
        agent_successes = agent_successes + o.sign * o.a, model_successes = model_successes + o.sign * o.m
    FROM (SELECT l.day, l.customer_id, l.agent, l.kind, l.resource,
                 sum(l.grouping = 'c') AS c, sum(l.grouping = 'd') AS d, sum(l.grouping = 'a') AS a, sum(l.grouping = 'm') AS m,
                 CASE WHEN new.outcome IS 'success' THEN 1 ELSE -1 END AS sign
          FROM cost_rollup_last l WHERE l.task_id = new.id
          GROUP BY 1, 2, 3, 4, 5) AS o
    WHERE cost_rollup.day = o.day AND cost_rollup.customer_id = o.customer_id AND cost_rollup.agent = o.agent
      AND cost_rollup.kind = o.kind AND cost_rollup.resource = o.resource;
END;

-- Nothing deletes or rewrites usage (retention keeps it, forks and billing only read it); the rollup relies on that,
-- so a change that would silently break it fails instead. A task's agent is fixed at creation for the same reason.
CREATE TRIGGER usage_events_keep_rows BEFORE DELETE ON usage_events
BEGIN
    SELECT RAISE(ABORT, 'usage events are kept: cost_rollup sums them');
END;

CREATE TRIGGER usage_events_keep_figures
BEFORE UPDATE OF customer_id, task_id, kind, resource, input_tokens, cached_input_tokens, output_tokens, quantity, cost_nanousd, created_at, agent
ON usage_events
BEGIN
    SELECT RAISE(ABORT, 'usage events are kept as recorded: cost_rollup sums them');
END;

CREATE TRIGGER tasks_keep_agent BEFORE UPDATE OF agent ON tasks WHEN new.agent IS NOT old.agent
BEGIN
    SELECT RAISE(ABORT, 'a task''s agent is fixed: cost_rollup groups its usage by it');
END;

-- The task list's model filter counts its matches from the model's side (SqliteKeelStore.Reads.cs): the usage and the
-- model steps of that model, and the tasks (forks) told to use it.
CREATE INDEX tasks_by_model_override ON tasks (model_override) WHERE model_override IS NOT NULL;
