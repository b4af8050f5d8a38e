using Keel.Cli;

return await KeelCommand.InvokeAsync(args, CliConsole.System()).ConfigureAwait(false);
