using System.Runtime.CompilerServices;
using WebDnn.Backends.Common;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Tests.Backends;

namespace WebDnn.Tests.Meta;

/// <summary>
/// Keeps the primitive × backend matrix honest: every primitive kernel record in WebDnn.Core has a reference
/// (Core/Kernels/Reference), an emitter in every registered backend (<see cref="IBackend.Primitives"/>), and a random-shape
/// generator so <see cref="PrimitiveRandomShapeTests"/> compares each backend's kernels with the reference; every
/// registered backend has a runner for those tests (<see cref="BackendHarness.Runners"/>).
/// </summary>
public sealed class PrimitiveCoverageTests
{
    /// <summary>The <see cref="Kernel.Primitive"/> names of every concrete kernel record (read without constructing one).</summary>
    public static SortedSet<string> Primitives() => new(typeof(Kernel).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(Kernel)) && !t.IsAbstract)
        .Select(t => ((Kernel)RuntimeHelpers.GetUninitializedObject(t)).Primitive), StringComparer.Ordinal);

    [Fact]
    public void Every_primitive_has_a_reference_and_a_random_shape_generator()
    {
        var all = Primitives();
        Assert.True(all.Count >= 12, $"only {all.Count} primitives found");
        Assert.Equal(all, new SortedSet<string>(KernelReference.Primitives, StringComparer.Ordinal));
        Assert.Equal(all, new SortedSet<string>(PrimitiveRandomShapeTests.Generators.Keys, StringComparer.Ordinal));
    }

    [Fact]
    public void Every_registered_backend_emits_every_primitive_and_has_a_test_runner()
    {
        var all = Primitives();
        Assert.NotEmpty(BackendRegistry.All);
        foreach (var b in BackendRegistry.All)
        {
            var missing = all.Except(b.Primitives).ToList();
            var unknown = b.Primitives.Except(all).ToList();
            Assert.True(missing.Count == 0, $"backend '{b.Name}' has no emitter for: {string.Join(", ", missing)}");
            Assert.True(unknown.Count == 0, $"backend '{b.Name}' claims primitives that do not exist: {string.Join(", ", unknown)}");
            Assert.True(BackendHarness.Runners.ContainsKey(b.Name), $"backend '{b.Name}' has no runner in BackendHarness.Runners, so no random-shape test compares it with the reference");
        }
        var stale = BackendHarness.Runners.Keys.Where(n => BackendRegistry.Find(n) is null).ToList();
        Assert.True(stale.Count == 0, $"BackendHarness.Runners names unregistered backends: {string.Join(", ", stale)}");
    }
}
