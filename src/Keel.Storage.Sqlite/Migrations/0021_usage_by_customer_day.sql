-- A customer's usage is found by UTC day instead of by exact time. Usage rows carry the time of the call they meter,
-- and OTLP-ingested calls arrive seconds to minutes after it, in no order: keyed by (customer, time), each of a
-- request's ~200 usage rows landed on its own page of this index, and those pages were half of what an ingestion
-- commit wrote (285 of ~490 pages per 512 spans). Keyed by (customer, day), a day's entries are ordered by the rest of
-- the key, the usage row's idempotency key (`task_…/seq` from the gateway, `otlp/task_…/span` from ingestion), whose task
-- ids are UUID v7s taken as tasks arrive: new entries are appended at the end of today's (46 pages). Queries bound the
-- day with the index's expression, written exactly as here (UsageByCustomerDay.Day), and the exact time after it.
DROP INDEX usage_by_customer_time;
CREATE INDEX usage_by_customer_day ON usage_events (customer_id, created_at / 86400000000);
