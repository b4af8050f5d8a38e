-- Sessions: the conversation an agent and an end user keep across tasks, and small named state kept with it.
-- A session's messages are read newest-first by (session_id, seq): clustering the table on that key makes a
-- history read one range scan, and seq is allocated as max(seq) + 1 inside the single writer's transaction.
CREATE TABLE session_messages (
    session_id  TEXT NOT NULL REFERENCES sessions(id),
    seq         INTEGER NOT NULL,
    task_id     TEXT REFERENCES tasks(id),
    role        TEXT NOT NULL,
    content     TEXT NOT NULL,
    tokens      INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;

-- Named values per session, such as an Agent Framework session's serialized state.
CREATE TABLE session_state (
    session_id  TEXT NOT NULL REFERENCES sessions(id),
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (session_id, key)
) WITHOUT ROWID;
