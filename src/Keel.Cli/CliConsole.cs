using Spectre.Console;

namespace Keel.Cli;

/// <summary>
/// Where a command writes: machine output (JSON, tables) to <see cref="Out"/>, progress and errors to
/// <see cref="Error"/>, so that `keel demo --json | jq` sees only JSON.
/// </summary>
internal sealed class CliConsole(TextWriter output, TextWriter error, bool interactive)
{
    public TextWriter Output { get; } = output;
    public TextWriter ErrorWriter { get; } = error;

    /// <summary>Rich output (tables, trees) on standard output.</summary>
    public IAnsiConsole Out { get; } = Create(output, interactive);

    /// <summary>Progress and diagnostics on standard error.</summary>
    public IAnsiConsole Error { get; } = Create(error, interactive);

    public bool Interactive { get; } = interactive;

    public static CliConsole System() =>
        new(Console.Out, Console.Error, !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("CI") is null);

    private static IAnsiConsole Create(TextWriter writer, bool interactive)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        if (!interactive)
        {
            // Piped output has no terminal width to fit; wrapping ids and numbers at 80 columns would garble them.
            console.Profile.Width = 240;
        }

        return console;
    }
}
