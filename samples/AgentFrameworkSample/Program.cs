// A ChatClientAgent that remembers: its conversation is kept in a Keel SQLite file, so running this twice
// continues the same conversation. The model is Keel's simulated one, so no key or network is needed; swap in
// any IChatClient (OpenAI, Azure OpenAI, Ollama) for a real one.
//
//   dotnet run --project samples/AgentFrameworkSample -- "My name is Ada."
//   dotnet run --project samples/AgentFrameworkSample -- "What is my name?"
using Keel.AgentFramework;
using Keel.Providers.Simulated;
using Keel.Sessions;
using Keel.Storage.Sqlite;
using Microsoft.Agents.AI;

var message = args.Length > 0 ? string.Join(' ', args) : "Hello! What did we talk about so far?";
var path = Environment.GetEnvironmentVariable("KEEL_SAMPLE_DB") ?? Path.Combine(Path.GetTempPath(), "keel-agent-framework-sample.db");

await using var store = await SqliteKeelStore.OpenAsync(path);
var customer = await store.EnsureCustomerAsync("sample-customer");

// One agent per customer: the history provider and the session store are scoped to it.
var model = new SimulatedChatClient(new SimulatedModelOptions { Model = "sim-fast", Latency = LatencyModel.None, Faults = FaultRates.None });
var agent = new ChatClientAgent(model, new ChatClientAgentOptions
{
    Name = "concierge",
    ChatOptions = new() { Instructions = "You are a friendly concierge. Use what the guest told you earlier." },
    ChatHistoryProvider = new KeelChatHistoryProvider(store, customer.Id),
});
var sessions = new KeelAgentSessionStore(store, customer.Id);

// The host's own conversation id (a chat thread, a user id): the same key finds the same conversation next run.
var key = new AgentSessionStoreKey("guest-42", null);
var session = await sessions.GetOrCreateSessionAsync(agent, key);
var response = await agent.RunAsync(message, session);
await sessions.SaveSessionAsync(agent, key, session);

var history = await store.GetSessionMessagesAsync(customer.Id, sessions.KeelSessionIdFor(agent, key));
Console.WriteLine($"you:   {message}");
Console.WriteLine($"agent: {response.Text}");
Console.WriteLine();
Console.WriteLine($"The conversation in {path} now holds {history.Count} messages:");
foreach (var stored in history)
{
    var text = SessionMessages.ToChatMessage(stored).Text;
    Console.WriteLine($"  {stored.Seq,3} {stored.Role,-9} {(text.Length > 70 ? text[..70] + "…" : text)}");
}
