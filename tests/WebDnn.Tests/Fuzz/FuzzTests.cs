using System.Globalization;
using Xunit.Abstractions;

namespace WebDnn.Tests.Fuzz;

/// <summary>
/// The fuzzer in CI: a fixed-seed budget of mutants of <see cref="FuzzSeeds"/> (schema-aware, <see cref="ModelMutator"/>)
/// compiled in-process; any internal error, timeout or allocation over the cap fails the test and names the case
/// (seed model and case number replay it). A longer run: WEBDNN_FUZZ_CASES=10000 [WEBDNN_FUZZ_SEED=n]
/// dotnet test tests/WebDnn.Tests -c Release --filter FullyQualifiedName~FuzzTests (docs/compiler.md "Fuzzing").
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int DefaultCases = 2000;
    private const long MaxAllocatedBytes = 1L << 30;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : fallback;

    /// <summary>The mutant for case <paramref name="index"/> of run seed <paramref name="runSeed"/>: seed model and mutation are both fixed by them.</summary>
    internal static (string Seed, byte[] Bytes) Case(IReadOnlyList<(string Name, byte[] Bytes)> seeds, int runSeed, int index)
    {
        // Not HashCode.Combine: it is randomized per process, and a case must replay in any run.
        var rng = new Random(unchecked((runSeed * 1_000_003) + index) & int.MaxValue);
        var (name, bytes) = seeds[index % seeds.Count];
        return (name, new ModelMutator(rng).Mutate(bytes));
    }

    [Fact]
    public void Seed_models_compile()
    {
        using var runner = new FuzzRunner(s_timeout, MaxAllocatedBytes);
        foreach (var (name, bytes) in FuzzSeeds.All())
        {
            var r = runner.Run(bytes);
            // "structure" keeps an If, which imports, infers and folds but has no browser lowering (exit 4 at lowering).
            var expected = name == "structure" ? FuzzOutcome.Unsupported : FuzzOutcome.Ok;
            Assert.True(r.Outcome == expected, $"{name}: {r.Outcome} {r.Message}");
        }
    }

    [Fact]
    public void Mutants_never_crash_hang_or_blow_up()
    {
        int cases = Env("WEBDNN_FUZZ_CASES", DefaultCases);
        int runSeed = Env("WEBDNN_FUZZ_SEED", 12);
        var seeds = FuzzSeeds.All();
        var counts = Enum.GetValues<FuzzOutcome>().ToDictionary(o => o, _ => 0);
        var failures = new List<string>();
        using var runner = new FuzzRunner(s_timeout, MaxAllocatedBytes);
        var all = FuzzRegressions.Cases.Select(c => (RunSeed: c.RunSeed, c.Index)).Concat(Enumerable.Range(0, cases).Select(i => (RunSeed: runSeed, Index: i)));
        foreach (var (caseSeed, index) in all)
        {
            var (seed, bytes) = Case(seeds, caseSeed, index);
            var r = runner.Run(bytes);
            counts[r.Outcome]++;
            // Usage (exit 2) is legitimate: compile asks for --shape when a mutant makes an input dimension symbolic.
            if (r.Outcome is FuzzOutcome.InternalError or FuzzOutcome.Timeout or FuzzOutcome.OverMemory)
            {
                failures.Add($"case {index} (seed model {seed}, run seed {caseSeed}): {r.Outcome}: {r.Message}");
                // The mutant itself, to inspect or replay with webdnn (artifacts/ is not committed).
                var dir = Directory.CreateDirectory(Path.Combine(Conformance.ReferenceNodeTests.FindRepoRoot(), "artifacts", "fuzz"));
                File.WriteAllBytes(Path.Combine(dir.FullName, $"case-{caseSeed}-{index}.onnx"), bytes);
            }
            if (r.Outcome == FuzzOutcome.Timeout)
            {
                break;
            }
        }
        string summary = $"fuzz: {cases} cases (+{FuzzRegressions.Cases.Length} regressions), run seed {runSeed}: " + string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}"));
        output.WriteLine(summary);
        Support.TestSummary.Add(summary);
        foreach (var f in failures.Take(50))
        {
            output.WriteLine(f);
        }
        Assert.True(failures.Count == 0, $"{failures.Count} failing cases:\n{string.Join("\n", failures.Take(20))}");
    }
}

/// <summary>
/// Cases that once failed (run seed, case number: the mutant is rebuilt from them), replayed first on every run so a
/// fixed bug stays fixed. The hostile models found by hand are tests of their own (tests/WebDnn.Tests/Security).
/// </summary>
internal static class FuzzRegressions
{
    public static readonly (int RunSeed, int Index)[] Cases =
    [
        (99, 1879),  // a graph input dimension of 2^40 with zero elements reached lowering: OverflowException
    ];
}
