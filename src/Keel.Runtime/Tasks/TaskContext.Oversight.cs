using Keel.Oversight;

namespace Keel.Tasks;

public sealed partial class TaskContext
{
    /// <summary>
    /// Records a person's time on this task (an approval, an intervention, a review) as a journal step, priced at
    /// the customer's hourly rate into the task's cost.
    /// </summary>
    public async Task<Intervention> RecordInterventionAsync(
        string actor, InterventionKind kind, string? decision, DateTimeOffset startedAt, DateTimeOffset endedAt, int? stepSeq = null, string? note = null, CancellationToken cancellationToken = default)
    {
        var step = NextStep(Journal.StepKind.Approval, InterventionJournal.StepName(kind, actor));
        if (step.Recorded is { } recorded)
        {
            return InterventionJournal.New(Task, step.Seq, actor, kind, recorded.Result, recorded.StartedAt, recorded.EndedAt, stepSeq, note);
        }

        var intervention = InterventionJournal.New(Task, step.Seq, actor, kind, decision, startedAt, endedAt, stepSeq, note);
        var rate = await _runtime.Store.HumanRateAsync(Task.CustomerId, cancellationToken).ConfigureAwait(false);
        await CommitAsync(InterventionJournal.Commit(Task, step.Seq, intervention, rate, Scope)).ConfigureAwait(false);
        if (_runtime.Budgets is { } budgets)
        {
            await budgets.RecordAsync(Subject, HumanRates.Cost(intervention.Seconds, rate), cancellationToken).ConfigureAwait(false);
        }

        return intervention;
    }

    /// <summary>Reports how the task ended for the business: what cost per successful outcome divides by. A later report replaces an earlier one.</summary>
    public async Task ReportOutcomeAsync(TaskOutcome outcome, decimal? value = null, CancellationToken cancellationToken = default) =>
        await _runtime.Store.SetOutcomeAsync(Task.Id, outcome, value, cancellationToken).ConfigureAwait(false);
}
