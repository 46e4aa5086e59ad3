using WebDnn.Core;
using WebDnn.Onnx;
using WebDnn.Ops.Reference;
using WebDnn.Tooling.Conformance;
using Xunit.Abstractions;

namespace WebDnn.Tests.Conformance;

/// <summary>
/// Runs every ONNX node test through the reference evaluator. The checked-in list
/// (reference.passlist.txt) names the cases that must pass; it may only grow, and every name on it must exist in the
/// suite. A case that ends in an exception other than <see cref="WebDnnException"/> (NullReference, IndexOutOfRange…)
/// is a bug, not an ordinary failure: such cases are listed in reference.internal-errors.txt, which may only shrink
/// (a new internal error fails the test, and so does a listed one that no longer happens, so the list stays exact).
/// The currently passing set is written to artifacts/conformance/reference.passing.txt so the list can be extended
/// after a change, and the internal errors with their stack tops to reference.internal-errors.txt there.
/// </summary>
public sealed class ReferenceNodeTests(ITestOutputHelper output)
{
    /// <summary>How one case ended: passed (<see cref="Error"/> null), failed honestly, or with an internal exception.</summary>
    public sealed record Outcome(string? Error, Exception? Internal = null)
    {
        public static readonly Outcome Pass = new((string?)null);
    }

    public static Outcome RunCase(NodeTestCase c)
    {
        try
        {
            var g = OnnxImporter.Load(c.ModelPath);
            var inputs = c.LoadTensors("input");
            var expected = c.LoadTensors("output");
            var bound = new Dictionary<Value, Tensor>();
            var formal = g.Inputs.ToList();
            if (inputs.Count > formal.Count)
            {
                return new("more inputs than graph inputs");
            }
            for (int i = 0; i < inputs.Count; i++)
            {
                bound[formal[i]] = inputs[i];
            }
            var actual = Interpreter.Run(g, bound);
            if (actual.Length != expected.Count)
            {
                return new($"{actual.Length} outputs, expected {expected.Count}");
            }
            for (int i = 0; i < expected.Count; i++)
            {
                if (NodeTestSuite.Compare(expected[i], actual[i]) is { } diff)
                {
                    return new($"output {i}: {diff}");
                }
            }
            return Outcome.Pass;
        }
        catch (WebDnnException e)
        {
            return new($"{e.GetType().Name}: {e.Message}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Anything else is what the CLI reports as "internal error … a bug in webdnn".
            return new($"internal {e.GetType().Name}: {e.Message}", e);
        }
    }

    private static HashSet<string> ReadList(string name) =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Conformance", name))
            .Select(l => l.Split('\t', '#')[0].Trim()).Where(l => l.Length > 0).ToHashSet(StringComparer.Ordinal);

    [Fact]
    public void ListedCasesPass()
    {
        var listed = ReadList("reference.passlist.txt");
        var knownInternal = ReadList("reference.internal-errors.txt");
        var cases = NodeTestSuite.Cases();
        var passing = new List<string>();
        var failures = new List<string>();
        var internals = new List<(string Name, Exception E)>();
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in cases)
        {
            var r = RunCase(c);
            if (r.Error is null)
            {
                passing.Add(c.Name);
                continue;
            }
            var key = r.Error.Length > 90 ? r.Error[..90] : r.Error;
            reasons[key] = reasons.GetValueOrDefault(key) + 1;
            if (r.Internal is { } e)
            {
                internals.Add((c.Name, e));
            }
            if (listed.Contains(c.Name))
            {
                failures.Add($"{c.Name}: {r.Error}");
            }
        }
        var dir = Path.Combine(FindRepoRoot(), "artifacts", "conformance");
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, "reference.passing.txt"), passing);
        File.WriteAllLines(Path.Combine(dir, "reference.failures.txt"), reasons.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Value}\t{kv.Key}"));
        File.WriteAllLines(Path.Combine(dir, "reference.internal-errors.txt"),
            internals.Select(x => $"{x.Name}\t{x.E.GetType().Name}: {x.E.Message.ReplaceLineEndings(" ")} @ {StackTop(x.E)}"));
        string summary = $"reference evaluator: {passing.Count} of {cases.Count} ONNX node tests pass ({listed.Count} listed); {internals.Count} end in an internal exception";
        output.WriteLine(summary);
        Support.TestSummary.Add("[conformance] " + summary);

        var names = cases.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = listed.Concat(knownInternal).Where(n => !names.Contains(n)).Order(StringComparer.Ordinal).ToList();
        Assert.True(unknown.Count == 0, $"reference.passlist.txt / reference.internal-errors.txt name cases that do not exist: {string.Join(", ", unknown)}");
        var newInternal = internals.Where(x => !knownInternal.Contains(x.Name)).Select(x => $"{x.Name}: {x.E.GetType().Name}: {x.E.Message} @ {StackTop(x.E)}").ToList();
        Assert.True(newInternal.Count == 0, $"{newInternal.Count} node tests end in an internal exception (a bug; fix it, or refuse with a WebDnnException):\n{string.Join("\n", newInternal.Take(50))}");
        var gone = knownInternal.Where(n => internals.All(x => x.Name != n)).Order(StringComparer.Ordinal).ToList();
        Assert.True(gone.Count == 0, $"remove from reference.internal-errors.txt (no longer an internal exception): {string.Join(", ", gone)}");
        Assert.True(failures.Count == 0, $"{failures.Count} listed node tests fail:\n{string.Join("\n", failures.Take(50))}");
    }

    private static string StackTop(Exception e) =>
        e.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at WebDnn", StringComparison.Ordinal)) ?? "?";

    internal static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "WebDnn.slnx")))
            {
                return d.FullName;
            }
        }
        return Directory.GetCurrentDirectory();
    }
}
