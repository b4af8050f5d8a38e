using Keel.Tasks;

namespace Keel.Runtime.Tests;

/// <summary>An agent whose body is the test's lambda.</summary>
internal sealed class DelegateAgent(string name, Func<TaskContext, CancellationToken, Task<string>> run) : IAgent
{
    public string Name => name;

    public Task<string> RunAsync(TaskContext context, string input, CancellationToken cancellationToken) => run(context, cancellationToken);
}
