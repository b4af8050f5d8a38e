namespace Keel.Bench.Durable;

/// <summary>One rep of one configuration: timings in µs, sizes in bytes.</summary>
internal sealed record RunResult
{
    public required string Mode { get; init; }
    public required string Synchronous { get; init; }
    public required string Variant { get; init; }
    public required int Rep { get; init; }
    public required int Tasks { get; init; }
    public required int StepsPerTask { get; init; }
    public required double TotalMs { get; init; }

    /// <summary>Wall time of the N-step tasks over their steps: the peers' "µs per step" (per-task costs included).</summary>
    public required double UsPerStepMean { get; init; }
    public required double UsPerTask { get; init; }
    public required double UsPerEmptyTask { get; init; }

    /// <summary>(N-step task − empty task) / N: per-task costs taken out, as DBOS's "marginal" figure.</summary>
    public required double UsPerStepMarginal { get; init; }
    public required double StepP50 { get; init; }
    public required double StepP90 { get; init; }
    public required double StepP99 { get; init; }
    public required double StepP999 { get; init; }

    /// <summary>Steps that took over a millisecond: with synchronous=NORMAL mostly the ones that ran a WAL checkpoint.</summary>
    public required int StepsOver1Ms { get; init; }

    /// <summary>Time in those steps, spread over all steps: what the slow ones add to the mean.</summary>
    public required double UsPerStepInStepsOver1Ms { get; init; }
    public required double StepMax { get; init; }
    public required double StepMeanTimed { get; init; }

    /// <summary>Process CPU time (user + kernel, all threads) over the measured tasks per step: steadier than wall time on a busy machine.</summary>
    public required double CpuUsPerStep { get; init; }

    /// <summary>Garbage collections (all generations count in gen 0) and their pause time over the measured tasks.</summary>
    public required int GcCount { get; init; }
    public required double GcPauseUsPerStep { get; init; }

    /// <summary>Pool mode: time to queue the tasks, and to claim and run them, per task.</summary>
    public double? UsPerSubmit { get; init; }
    public double? UsPerClaimAndRun { get; init; }

    public required long FileBytesAfterWarmup { get; init; }
    public required long FileBytes { get; init; }
    public required long WalBytesBeforeCheckpoint { get; init; }
    public required double BytesPerStep { get; init; }
    public required Dictionary<string, long> BtreeBytesGrown { get; init; }
    public required Dictionary<string, long> OverflowBytesGrown { get; init; }
    public required Dictionary<string, long> Rows { get; init; }
    public required string JournalMode { get; init; }
    public required int PageSize { get; init; }
}
