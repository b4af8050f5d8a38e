namespace Keel.Storage;

/// <summary>The store cannot be opened or used as asked: a missing or corrupt file, a schema from the future.</summary>
public class StoreException(string message, Exception? inner = null) : Exception(message, inner);
