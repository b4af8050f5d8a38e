-- The journal moves from a WITHOUT ROWID table to a rowid table with a unique (task_id, seq) index. A WITHOUT ROWID
-- table is an index b-tree, which keeps at most ~1,000 bytes of a row on its page and spills the rest to an
-- overflow page of its own: a step with a 1 KB result took a whole 4 KB page. A rowid table keeps rows of up to
-- ~4,000 bytes inline, so a typical step costs its own size plus a small index entry.
CREATE TABLE steps_inline (
    task_id        TEXT NOT NULL REFERENCES tasks(id),
    seq            INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL,
    status         TEXT NOT NULL,
    attempts       INTEGER NOT NULL,
    fallbacks      INTEGER NOT NULL,
    result         TEXT,
    error          TEXT,
    input_tokens   INTEGER NOT NULL,
    output_tokens  INTEGER NOT NULL,
    cost_nanousd   INTEGER NOT NULL CHECK (cost_nanousd >= 0),
    started_at     INTEGER NOT NULL,
    ended_at       INTEGER NOT NULL,
    PRIMARY KEY (task_id, seq)
);

INSERT INTO steps_inline
SELECT task_id, seq, kind, name, status, attempts, fallbacks, result, error, input_tokens, output_tokens, cost_nanousd, started_at, ended_at
FROM steps;

DROP TABLE steps;
ALTER TABLE steps_inline RENAME TO steps;
