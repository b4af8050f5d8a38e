namespace Keel.Tasks;

/// <summary>An agent is ordinary async code; everything it does through its <see cref="TaskContext"/> is journaled.</summary>
public interface IAgent
{
    string Name { get; }

    Task<string> RunAsync(TaskContext context, string input, CancellationToken cancellationToken);
}
