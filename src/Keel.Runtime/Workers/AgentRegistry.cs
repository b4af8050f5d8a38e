using Keel.Tasks;

namespace Keel.Workers;

/// <summary>The agents a worker can run, by name: a queued task names its agent, and the worker finds the code here.</summary>
public sealed class AgentRegistry
{
    private readonly Dictionary<string, IAgent> _agents = new(StringComparer.Ordinal);

    public AgentRegistry(IEnumerable<IAgent>? agents = null)
    {
        foreach (var agent in agents ?? [])
        {
            Add(agent);
        }
    }

    public IReadOnlyCollection<string> Names => _agents.Keys;

    public AgentRegistry Add(IAgent agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        if (!_agents.TryAdd(agent.Name, agent))
        {
            throw new ArgumentException($"An agent named '{agent.Name}' is already registered.", nameof(agent));
        }

        return this;
    }

    public IAgent Get(string name) => _agents.TryGetValue(name, out var agent)
        ? agent
        : throw new KeyNotFoundException($"No agent named '{name}' is registered with this worker.");
}
