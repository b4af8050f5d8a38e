-- cost_rollup_last (migration 19) kept four rows per task: for each group (customer, day, agent, model) the task's last
-- day there and the cell of that day that counts it. Both are functions of the cell (the day is the cell's, and the
-- group's key is the cell's customer, day, agent or model), so the four rows repeated one cell four times: 521 B per
-- gateway call, a fifth of all it writes, and four B-tree inserts. Here a task has one row per cell that counts it,
-- with the groups it counts it for as bits (group_bits). A task with one model on one day, as every gateway call
-- without a task of its own, has one row. The writer (Journal/CostRollupWriter.cs) moves a bit when a task's last day
-- in a group moves.
CREATE TABLE cost_rollup_task_cells (
    task_id      TEXT NOT NULL,
    customer_id  TEXT NOT NULL,
    day          INTEGER NOT NULL,
    agent        TEXT NOT NULL,
    kind         TEXT NOT NULL,
    resource     TEXT NOT NULL,
    group_bits   INTEGER NOT NULL, -- the groups this cell counts the task for: 1 customer, 2 day, 4 agent, 8 model
    PRIMARY KEY (task_id, customer_id, day, agent, kind, resource)
) WITHOUT ROWID;

-- A cell holds at most one row per group of a task (the group's key is the cell's own), so the sum is the bit set.
INSERT INTO cost_rollup_task_cells (task_id, customer_id, day, agent, kind, resource, group_bits)
SELECT task_id, customer_id, day, agent, kind, resource, sum(CASE grouping WHEN 'c' THEN 1 WHEN 'd' THEN 2 WHEN 'a' THEN 4 ELSE 8 END)
FROM cost_rollup_last
GROUP BY task_id, customer_id, day, agent, kind, resource;

DROP TRIGGER cost_rollup_on_outcome;
DROP TABLE cost_rollup_last;

-- An outcome that turns to or from success moves the task's success counts wherever it is counted.
CREATE TRIGGER cost_rollup_on_outcome AFTER UPDATE OF outcome ON tasks
WHEN (old.outcome IS 'success') <> (new.outcome IS 'success')
BEGIN
    UPDATE cost_rollup
    SET customer_successes = customer_successes + o.sign * (o.group_bits & 1),
        day_successes = day_successes + o.sign * ((o.group_bits >> 1) & 1),
        agent_successes = agent_successes + o.sign * ((o.group_bits >> 2) & 1),
        model_successes = model_successes + o.sign * ((o.group_bits >> 3) & 1)
    FROM (SELECT l.day, l.customer_id, l.agent, l.kind, l.resource, l.group_bits,
                 CASE WHEN new.outcome IS 'success' THEN 1 ELSE -1 END AS sign
          FROM cost_rollup_task_cells l WHERE l.task_id = new.id) AS o
    WHERE cost_rollup.day = o.day AND cost_rollup.customer_id = o.customer_id AND cost_rollup.agent = o.agent
      AND cost_rollup.kind = o.kind AND cost_rollup.resource = o.resource;
END;
