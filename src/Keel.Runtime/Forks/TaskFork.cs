using Keel.Tasks;

namespace Keel.Forks;

/// <summary>A fork as it was made: the new task, where it came from, and what it reused.</summary>
/// <param name="Task">The fork (after <see cref="TaskForks.RunAsync"/>, in the state its run left it).</param>
/// <param name="ReusedSteps">How many of the source's steps the fork starts with: its steps 1 to <c>ReusedSteps</c>.</param>
/// <param name="EditedStep">The reused step whose result was replaced, if one was.</param>
public sealed record TaskFork(AgentTask Task, string SourceTaskId, int ReusedSteps, int? EditedStep);
