namespace SocketBridge.Tests.Packaging;

/// <summary>
/// The tests that need `make deb`. They share one build, and run on their own
/// after the parallel collections, so the build's CPU load never slows a
/// timing-sensitive test of the daemon.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackagingGroup : ICollectionFixture<DebianPackage>
{
    public const string Name = "Packaging";
}
