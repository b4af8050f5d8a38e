using System.Text.Json;

namespace Keel.Bench.Durable;

/// <summary>Medians over the reps of one configuration.</summary>
internal sealed record Summary(
    string Mode, string Synchronous, string Variant, double StepP50, double StepP99, double UsPerStepMean, double UsPerStepMarginal,
    double UsPerTask, double UsPerEmptyTask, double CpuUsPerStep, double BytesPerStep, double? UsPerSubmit, double? UsPerClaimAndRun,
    double MinUsPerStepMean, double MinBytesPerStep)
{
    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static Summary Of(IReadOnlyList<RunResult> reps)
    {
        double Median(Func<RunResult, double> f) => Stats.Median([.. reps.Select(f)]);
        return new Summary(
            reps[0].Mode, reps[0].Synchronous, reps[0].Variant, Median(r => r.StepP50), Median(r => r.StepP99), Median(r => r.UsPerStepMean),
            Median(r => r.UsPerStepMarginal), Median(r => r.UsPerTask), Median(r => r.UsPerEmptyTask), Median(r => r.CpuUsPerStep), Median(r => r.BytesPerStep),
            reps[0].UsPerSubmit is null ? null : Median(r => r.UsPerSubmit ?? 0),
            reps[0].UsPerClaimAndRun is null ? null : Median(r => r.UsPerClaimAndRun ?? 0),
            reps.Min(r => r.UsPerStepMean), reps.Min(r => r.BytesPerStep));
    }
}
