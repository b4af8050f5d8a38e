-- Billing (issue 8): plan versions, accounts, subscriptions, the events ledger, invoices and credit notes.
-- Money here is exact decimal text in the invariant culture, not nano-USD: invoice amounts are in the customer's
-- currency and keep more decimals than nine (an unrounded line of a percentage of a value); they are summed in code.

-- A plan version is written once; a price change is a new version (the definition is Keel.Billing's JSON).
CREATE TABLE billing_plans (
    id          TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version > 0),
    name        TEXT NOT NULL,
    currency    TEXT NOT NULL,
    definition  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (id, version)
) WITHOUT ROWID;
CREATE TRIGGER billing_plans_immutable BEFORE UPDATE ON billing_plans
BEGIN SELECT RAISE(ABORT, 'a plan version never changes: add a new version'); END;

CREATE TABLE billing_accounts (
    customer_id  TEXT PRIMARY KEY REFERENCES customers(id),
    currency     TEXT NOT NULL,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE billing_subscriptions (
    id            TEXT PRIMARY KEY,
    customer_id   TEXT NOT NULL REFERENCES customers(id),
    plan_id       TEXT NOT NULL,
    plan_version  INTEGER NOT NULL,
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER,
    created_at    INTEGER NOT NULL,
    FOREIGN KEY (plan_id, plan_version) REFERENCES billing_plans (id, version),
    CHECK (ends_at IS NULL OR ends_at >= starts_at)
);
CREATE INDEX billing_subscriptions_by_customer ON billing_subscriptions (customer_id, starts_at);

CREATE TABLE billing_invoices (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    number           INTEGER UNIQUE,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'finalized', 'void')),
    period_start     INTEGER NOT NULL,
    period_end       INTEGER NOT NULL,
    currency         TEXT NOT NULL,
    plan_versions    TEXT NOT NULL,
    unrounded_total  TEXT NOT NULL,
    total            TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    finalized_at     INTEGER,
    voided_at        INTEGER,
    CHECK (period_end > period_start),
    CHECK ((status = 'draft') = (number IS NULL) OR status = 'void')
);
-- One live invoice per customer and period; a void one can be replaced.
CREATE UNIQUE INDEX billing_invoices_one_per_period ON billing_invoices (customer_id, period_start, period_end) WHERE status <> 'void';
CREATE INDEX billing_invoices_by_period ON billing_invoices (period_start, customer_id);

CREATE TABLE billing_invoice_lines (
    invoice_id        TEXT NOT NULL REFERENCES billing_invoices(id),
    seq               INTEGER NOT NULL,
    component_id      TEXT NOT NULL,
    description       TEXT NOT NULL,
    metric            TEXT NOT NULL,
    quantity          TEXT NOT NULL,
    unit_price        TEXT,
    unrounded_amount  TEXT NOT NULL,
    amount            TEXT NOT NULL,
    tiers             TEXT NOT NULL,
    plan_id           TEXT NOT NULL,
    plan_version      INTEGER NOT NULL,
    note              TEXT,
    PRIMARY KEY (invoice_id, seq)
) WITHOUT ROWID;

-- The ledger entries a draft bills: stamped onto the events when it is finalized.
CREATE TABLE billing_invoice_events (
    invoice_id  TEXT NOT NULL REFERENCES billing_invoices(id),
    event_id    TEXT NOT NULL,
    PRIMARY KEY (invoice_id, event_id)
) WITHOUT ROWID;

-- The append-only ledger. (customer, idempotency key) is unique: a duplicate submission finds the first entry.
CREATE TABLE billing_events (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    idempotency_key  TEXT NOT NULL,
    metric           TEXT NOT NULL,
    quantity         TEXT NOT NULL,
    value            TEXT,
    occurred_at      INTEGER NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('usage', 'correction', 'void')),
    target_event_id  TEXT REFERENCES billing_events(id),
    task_id          TEXT,
    agent            TEXT,
    received_at      INTEGER NOT NULL,
    invoice_id       TEXT REFERENCES billing_invoices(id),
    CHECK ((kind = 'usage') = (target_event_id IS NULL))
);
CREATE UNIQUE INDEX billing_events_by_key ON billing_events (customer_id, idempotency_key);
CREATE INDEX billing_events_by_time ON billing_events (customer_id, occurred_at);
CREATE INDEX billing_events_by_target ON billing_events (target_event_id) WHERE target_event_id IS NOT NULL;
CREATE INDEX billing_events_by_task ON billing_events (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX billing_events_by_invoice ON billing_events (invoice_id) WHERE invoice_id IS NOT NULL;

CREATE TABLE billing_credit_notes (
    id               TEXT PRIMARY KEY,
    number           INTEGER NOT NULL UNIQUE,
    customer_id      TEXT NOT NULL REFERENCES customers(id),
    invoice_id       TEXT NOT NULL REFERENCES billing_invoices(id),
    source_event_id  TEXT UNIQUE REFERENCES billing_events(id),
    reason           TEXT NOT NULL,
    currency         TEXT NOT NULL,
    unrounded_total  TEXT NOT NULL,
    total            TEXT NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE TABLE billing_credit_note_lines (
    credit_note_id    TEXT NOT NULL REFERENCES billing_credit_notes(id),
    seq               INTEGER NOT NULL,
    component_id      TEXT NOT NULL,
    description       TEXT NOT NULL,
    metric            TEXT NOT NULL,
    quantity          TEXT NOT NULL,
    unrounded_amount  TEXT NOT NULL,
    amount            TEXT NOT NULL,
    PRIMARY KEY (credit_note_id, seq)
) WITHOUT ROWID;

-- Gapless numbering: each number is taken by advancing its counter row in the transaction that issues it.
CREATE TABLE billing_counters (
    name   TEXT PRIMARY KEY,
    value  INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO billing_counters (name, value) VALUES ('invoice', 0), ('credit_note', 0);

CREATE TABLE billing_cursors (
    name      TEXT PRIMARY KEY,
    position  INTEGER NOT NULL
) WITHOUT ROWID;

-- The change feed the ledger derives task events from: a row when a task is created, ends, or gets an outcome.
-- AUTOINCREMENT under SQLite's single writer makes seq the commit order, so a cursor over it never skips a change.
CREATE TABLE billing_task_changes (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    task_id  TEXT NOT NULL
);
INSERT INTO billing_task_changes (task_id) SELECT id FROM tasks ORDER BY created_at, id;
CREATE TRIGGER billing_task_created AFTER INSERT ON tasks
BEGIN INSERT INTO billing_task_changes (task_id) VALUES (NEW.id); END;
CREATE TRIGGER billing_task_ended AFTER UPDATE OF status ON tasks
WHEN NEW.status IN ('succeeded', 'failed') AND OLD.status IS NOT NEW.status
BEGIN INSERT INTO billing_task_changes (task_id) VALUES (NEW.id); END;
CREATE TRIGGER billing_task_outcome AFTER UPDATE OF outcome, outcome_value ON tasks
WHEN OLD.outcome IS NOT NEW.outcome OR OLD.outcome_value IS NOT NEW.outcome_value
BEGIN INSERT INTO billing_task_changes (task_id) VALUES (NEW.id); END;

-- Finalized invoices and credit notes never change, whatever code writes to the file. A finalized invoice may only
-- become void (status and voided_at); a void one is frozen.
CREATE TRIGGER billing_invoices_frozen BEFORE UPDATE ON billing_invoices
WHEN OLD.status = 'void'
  OR (OLD.status = 'finalized' AND (NEW.status <> 'void' OR NEW.number IS NOT OLD.number OR NEW.customer_id IS NOT OLD.customer_id
      OR NEW.period_start IS NOT OLD.period_start OR NEW.period_end IS NOT OLD.period_end OR NEW.currency IS NOT OLD.currency
      OR NEW.plan_versions IS NOT OLD.plan_versions OR NEW.unrounded_total IS NOT OLD.unrounded_total OR NEW.total IS NOT OLD.total
      OR NEW.finalized_at IS NOT OLD.finalized_at OR NEW.created_at IS NOT OLD.created_at OR NEW.updated_at IS NOT OLD.updated_at))
BEGIN SELECT RAISE(ABORT, 'invoice is finalized or void: it cannot change'); END;
CREATE TRIGGER billing_invoices_kept BEFORE DELETE ON billing_invoices WHEN OLD.status <> 'draft'
BEGIN SELECT RAISE(ABORT, 'invoice is finalized or void: it cannot be deleted'); END;
CREATE TRIGGER billing_invoice_lines_frozen_insert BEFORE INSERT ON billing_invoice_lines
WHEN (SELECT status FROM billing_invoices WHERE id = NEW.invoice_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'invoice is finalized or void: its lines cannot change'); END;
CREATE TRIGGER billing_invoice_lines_frozen_update BEFORE UPDATE ON billing_invoice_lines
WHEN (SELECT status FROM billing_invoices WHERE id = OLD.invoice_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'invoice is finalized or void: its lines cannot change'); END;
CREATE TRIGGER billing_invoice_lines_frozen_delete BEFORE DELETE ON billing_invoice_lines
WHEN (SELECT status FROM billing_invoices WHERE id = OLD.invoice_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'invoice is finalized or void: its lines cannot change'); END;
CREATE TRIGGER billing_invoice_events_frozen_insert BEFORE INSERT ON billing_invoice_events
WHEN (SELECT status FROM billing_invoices WHERE id = NEW.invoice_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'invoice is finalized or void: its events cannot change'); END;
CREATE TRIGGER billing_invoice_events_frozen_delete BEFORE DELETE ON billing_invoice_events
WHEN (SELECT status FROM billing_invoices WHERE id = OLD.invoice_id) <> 'draft'
BEGIN SELECT RAISE(ABORT, 'invoice is finalized or void: its events cannot change'); END;
CREATE TRIGGER billing_credit_notes_frozen BEFORE UPDATE ON billing_credit_notes
BEGIN SELECT RAISE(ABORT, 'a credit note never changes'); END;
CREATE TRIGGER billing_credit_notes_kept BEFORE DELETE ON billing_credit_notes
BEGIN SELECT RAISE(ABORT, 'a credit note is never deleted'); END;
CREATE TRIGGER billing_credit_note_lines_frozen BEFORE UPDATE ON billing_credit_note_lines
BEGIN SELECT RAISE(ABORT, 'a credit note never changes'); END;
-- The ledger is append-only: only the invoice stamp may change (set at finalization, cleared by a void of that invoice).
CREATE TRIGGER billing_events_append_only BEFORE UPDATE ON billing_events
WHEN NEW.id IS NOT OLD.id OR NEW.customer_id IS NOT OLD.customer_id OR NEW.idempotency_key IS NOT OLD.idempotency_key
  OR NEW.metric IS NOT OLD.metric OR NEW.quantity IS NOT OLD.quantity OR NEW.value IS NOT OLD.value
  OR NEW.occurred_at IS NOT OLD.occurred_at OR NEW.kind IS NOT OLD.kind OR NEW.target_event_id IS NOT OLD.target_event_id
  OR NEW.task_id IS NOT OLD.task_id OR NEW.agent IS NOT OLD.agent OR NEW.received_at IS NOT OLD.received_at
BEGIN SELECT RAISE(ABORT, 'billing events are append-only: record a correction or a void instead'); END;
CREATE TRIGGER billing_events_kept BEFORE DELETE ON billing_events
BEGIN SELECT RAISE(ABORT, 'billing events are append-only: record a void instead'); END;
