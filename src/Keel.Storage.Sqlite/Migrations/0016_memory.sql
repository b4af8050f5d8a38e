-- Agent memory: what an agent learned, in the same file as the tasks it came from.
--
-- A memory row is never edited except to close it (valid_to, superseded_by): a changed fact is a new row. The
-- integer key is what the full-text index and an approximate vector index key it by; the public id is mem_...
-- The customer leads every index, so a read is walled to one tenant by the index it walks.
--
-- terms holds tokens derived from the scope and the kind ("c<hash> u<hash> a<hash> s<hash> k<n>"), indexed in
-- the full-text table beside the text: a search puts its scope in the MATCH, so BM25 scores only that scope's
-- documents instead of every tenant's, without a row lookup per match. Stored so the delete trigger can hand
-- FTS5 the exact tokens to remove.
CREATE TABLE memories (
    key                 INTEGER PRIMARY KEY,
    id                  TEXT NOT NULL UNIQUE,
    customer_id         TEXT NOT NULL,
    user_id             TEXT,
    agent_id            TEXT,
    session_id          TEXT,
    kind                TEXT NOT NULL CHECK (kind IN ('episodic', 'semantic', 'procedural')),
    text                TEXT NOT NULL,
    terms               TEXT NOT NULL,
    source_session_id   TEXT,
    source_task_id      TEXT,
    source_step_seq     INTEGER,
    source_message_id   TEXT,
    source_external_id  TEXT,
    importance          REAL NOT NULL,
    occurred_at         INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    valid_from          INTEGER NOT NULL,
    valid_to            INTEGER,
    superseded_by       TEXT,
    fact_key            TEXT,
    content_hash        TEXT NOT NULL
);

-- Scope reads (list, count, vectors, erasure): covering for the scope, kind, time and validity filters, so a
-- vector scan of a scope walks this index and the vector table and never the memory rows.
CREATE INDEX memories_scope ON memories (customer_id, user_id, agent_id, session_id, occurred_at, kind, valid_from, valid_to);
-- A session's memories without naming its user and agent (context assembly asks by session).
CREATE INDEX memories_session ON memories (customer_id, session_id, occurred_at) WHERE session_id IS NOT NULL;
-- Deduplication and fact supersession look up one scope's current memory by hash or key.
CREATE INDEX memories_hash ON memories (customer_id, content_hash);
CREATE INDEX memories_fact ON memories (customer_id, fact_key) WHERE fact_key IS NOT NULL;
-- History walks from a memory to the ones it replaced.
CREATE INDEX memories_superseded_by ON memories (superseded_by) WHERE superseded_by IS NOT NULL;
-- Forgetting by source.
CREATE INDEX memories_source_session ON memories (customer_id, source_session_id) WHERE source_session_id IS NOT NULL;
CREATE INDEX memories_source_external ON memories (customer_id, source_external_id) WHERE source_external_id IS NOT NULL;

-- Memories are immutable: only their validity may close. The full-text index relies on it (no update trigger).
CREATE TRIGGER memories_immutable BEFORE UPDATE OF key, id, customer_id, user_id, agent_id, session_id, kind, text, terms ON memories
BEGIN
    SELECT RAISE(ABORT, 'memories are immutable: add a new memory that supersedes this one');
END;

-- Embeddings apart from the rows (float32 little-endian): a row is ~300 bytes, a 384-d vector 1.5 KB; kept
-- inline they would spread filter scans over five times the pages.
CREATE TABLE memory_vectors (
    key     INTEGER PRIMARY KEY REFERENCES memories(key) ON DELETE CASCADE,
    vector  BLOB NOT NULL
);

-- BM25 over the text. External content (the memories table): the text is stored once, and a delete hands FTS5
-- the original tokens, which with the secure-delete option lets it remove them from the index segments at once
-- instead of leaving delete markers (a regular table would keep a second copy of every text to erase; a
-- contentless one only tombstones deleted rows until a merge, so an erased text would survive in the file).
CREATE VIRTUAL TABLE memories_fts USING fts5 (
    text, terms,
    content = 'memories', content_rowid = 'key',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO memories_fts (memories_fts, rank) VALUES ('secure-delete', 1);

CREATE TRIGGER memories_fts_insert AFTER INSERT ON memories
BEGIN
    INSERT INTO memories_fts (rowid, text, terms) VALUES (new.key, new.text, new.terms);
END;

CREATE TRIGGER memories_fts_delete AFTER DELETE ON memories
BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, text, terms) VALUES ('delete', old.key, old.text, old.terms);
END;

-- Retention per scope. Unset scope parts are '' (a scope part is never blank), so the key is unique.
CREATE TABLE memory_retention (
    customer_id  TEXT NOT NULL,
    user_id      TEXT NOT NULL DEFAULT '',
    agent_id     TEXT NOT NULL DEFAULT '',
    session_id   TEXT NOT NULL DEFAULT '',
    kinds        TEXT NOT NULL DEFAULT '',
    max_age_us   INTEGER NOT NULL CHECK (max_age_us > 0),
    PRIMARY KEY (customer_id, user_id, agent_id, session_id)
) WITHOUT ROWID;

-- Automatic ingestion's cursor per session: messages with seq > last_seq are still to be turned into memory.
-- appended_seq is kept by a trigger on session_messages, so the sessions with pending messages are found through a
-- partial index instead of a probe of every session each poll.
CREATE TABLE memory_ingestion (
    session_id    TEXT PRIMARY KEY,
    last_seq      INTEGER NOT NULL DEFAULT 0,
    appended_seq  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE INDEX memory_ingestion_pending ON memory_ingestion (session_id) WHERE appended_seq > last_seq;

CREATE TRIGGER memory_ingestion_appended AFTER INSERT ON session_messages
BEGIN
    INSERT INTO memory_ingestion (session_id, appended_seq) VALUES (new.session_id, new.seq)
    ON CONFLICT (session_id) DO UPDATE SET appended_seq = max(appended_seq, excluded.appended_seq);
END;

-- Sessions that already hold messages: their whole history is still to be ingested.
INSERT INTO memory_ingestion (session_id, appended_seq)
SELECT session_id, max(seq) FROM session_messages GROUP BY session_id;
