using Keel.Browser.Tests;
using Xunit;

// One demo database, one `keel serve` and one Chromium for every test. The tests run one at a time: one of them
// approves a refund and so changes the tasks the others look at, and the machine has two cores.
[assembly: AssemblyFixture(typeof(DashboardFixture))]
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
