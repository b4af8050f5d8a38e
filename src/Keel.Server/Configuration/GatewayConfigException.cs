namespace Keel.Server.Configuration;

/// <summary>A configuration the gateway cannot start with; the message names the file and the bad field.</summary>
public sealed class GatewayConfigException(string message, Exception? inner = null) : Exception(message, inner);
