#!/usr/bin/env bash
# Billing bench (issue 8): rating throughput on the embedded store. 1,000 customers on five plans (graduated, volume,
# per unit with a minimum, percentage of value with a cap, model cost passed through with a markup), 10 million
# billable events ingested in batches of 1,000 through IKeelStore.AddBillableEventsAsync (idempotency keys on; the
# first 10,000 resubmitted to check none counts twice), every draft invoice computed, then finalized (numbers checked
# gapless), the same events through InvoiceRater alone, one-at-a-time RecordEventAsync, and an insert what-if.
#   bench/billing/run.sh                                   # the full run: 10,000,000 events, 1,000 customers
#   bench/billing/run.sh --events 1000000 --customers 1000 # a 1M run (~10 min on 2 shared cores)
#   bench/billing/run.sh --events 100000 --customers 100   # a quick look (~1 min)
# Other flags: --batch N --single N --breakdown N --whatif N (0 skips) --work DIR --keep
# Output: Markdown on stdout; the log and the JSON result in bench/results/raw/billing-*.
exec "$(dirname "$0")/../Shared/run-dotnet-bench.sh" billing Keel.Bench.Billing "$@"
