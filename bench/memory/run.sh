#!/usr/bin/env bash
# Memory scale bench (issue 7, "Scale"): 100,000 conversation turns in ONE scope ingested through MemoryService.AddAsync
# with the local MiniLM embeddings (rate, embedding vs store time), then 600 queries (paraphrases of stored turns and
# unrelated questions, 40 warm-up ones untimed) searched end to end: hybrid over an exact scan and over the HNSW
# index, each with and without embedding the query, vector only, BM25 only; recall@10 of HNSW against exact.
#   bench/memory/run.sh                                        # the full run: 100,000 memories (~10 min ingest on 2 cores)
#   bench/memory/run.sh --memories 5000                        # a quick look (~1 min)
#   bench/memory/run.sh --reuse-db /tmp/mem100k.db             # ingest into the file the first time, search it as is after
# Other flags: --queries N --warmup N --batch N (memories per AddAsync) --k N --seed N --embed-whatif N (0 skips) --work DIR
# Output: the Markdown "## Scale" section on stdout; the log and the JSON result in bench/results/raw/memory-*.
exec "$(dirname "$0")/../Shared/run-dotnet-bench.sh" memory Keel.Bench.Memory "$@"
