namespace Keel.Tasks;

public sealed partial class TaskContext
{
    private static readonly AsyncLocal<TaskContext?> Ambient = new();

    /// <summary>
    /// The task whose agent code is running on this async flow, or null outside any task. Code that is handed no
    /// context (an <see cref="Microsoft.Extensions.AI.IChatClient"/> pipeline deep inside a library, say) finds its
    /// task here, so its model calls still become steps of that task. It flows with <c>await</c> and into tasks the
    /// agent starts, and is set only for the length of the agent's run.
    /// </summary>
    public static TaskContext? Current => Ambient.Value;

    /// <summary>Makes <paramref name="context"/> the current task until the returned scope is disposed.</summary>
    internal static AmbientScope Enter(TaskContext context)
    {
        var previous = Ambient.Value;
        Ambient.Value = context;
        return new AmbientScope(previous);
    }

    /// <summary>Puts back the task that was current before <see cref="Enter"/>.</summary>
    internal readonly struct AmbientScope(TaskContext? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}
