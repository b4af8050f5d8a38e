-- A context snapshot may name a base: an earlier snapshot whose messages begin it. It then holds only the hashes
-- after the base's, so an agent's growing context costs each step what it added, not a hash per message of its
-- whole window (which grows with steps x context). NULL: the row holds the whole list, as before.
ALTER TABLE context_snapshots ADD COLUMN base_id TEXT;
