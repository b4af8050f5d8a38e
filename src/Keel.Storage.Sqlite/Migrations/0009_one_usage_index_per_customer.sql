-- Budget sums for keys, sessions and agents read a customer's usage in a period through the customer index and
-- filter the rest, so three indexes that every usage insert had to update are gone. (Recording is about 40 % of
-- the gateway's CPU per call; each index is one more B-tree to update per call.)
DROP INDEX usage_by_key_time;
DROP INDEX usage_by_session_time;
DROP INDEX usage_by_agent_time;
