-- Billing at volume (issue 8 bench). New ledger rows are clustered by customer: the store gives each event a rowid in
-- its customer's own range (customer rowid * 2^32 + n, see SqliteKeelStore.BillingEvents.cs), so a customer's
-- events sit on a few neighbouring table pages instead of one page each among everyone's. A draft then reads them as
-- one local range, and finalizing stamps a few hundred pages per 10,000 events instead of 10,000 pages.
-- With the table clustered, (customer_id, idempotency_key) already serves every per-customer read, so the
-- (customer_id, occurred_at) index only cost a page write per customer per ingested batch: it goes.
DROP INDEX IF EXISTS billing_events_by_time;
