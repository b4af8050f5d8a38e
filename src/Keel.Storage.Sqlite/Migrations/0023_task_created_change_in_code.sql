-- The billing change feed's "task created" row is written by the journal writer in the statement after the task's
-- insert (JournalWriter, the only code that inserts tasks), not by an AFTER INSERT trigger. A trigger makes the task
-- insert a multi-row write that may abort, and SQLite then keeps a statement journal for it: a copy of every page the
-- insert touches (the task's row and its four indexes, the feed and its sequence), ~8 pages, which spilled to a temp
-- file in every transaction that created tasks. That was ~4 MB of file writes per 512-span OTLP request, more than
-- its WAL. The feed's other rows (a task ending, an outcome) still come from their triggers: they fire on updates.
DROP TRIGGER billing_task_created;
