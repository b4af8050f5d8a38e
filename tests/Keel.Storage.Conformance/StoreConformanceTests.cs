using Xunit;

namespace Keel.Storage.Conformance;

/// <summary>
/// The behaviour every <see cref="IKeelStore"/> must show. An implementation's test project inherits this class
/// and supplies a fresh, empty store per test; each test gets its own instance and its own store.
/// </summary>
public abstract partial class StoreConformanceTests : IAsyncLifetime
{
    private IKeelStore? _store;

    protected IKeelStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates a new, empty store; it is disposed after the test.</summary>
    protected abstract Task<IKeelStore> CreateStoreAsync();

    /// <summary>Runs after the store is disposed, to remove whatever the store left behind (files, schemas).</summary>
    protected virtual ValueTask CleanUpAsync() => ValueTask.CompletedTask;

    public async ValueTask InitializeAsync() => _store = await CreateStoreAsync();

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
            _store = null;
        }

        await CleanUpAsync();
        GC.SuppressFinalize(this);
    }
}
