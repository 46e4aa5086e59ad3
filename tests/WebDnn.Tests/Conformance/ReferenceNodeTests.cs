using WebDnn.Core;
using WebDnn.Onnx;
using WebDnn.Ops.Reference;
using WebDnn.Tooling.Conformance;
using Xunit.Abstractions;

namespace WebDnn.Tests.Conformance;

/// <summary>
/// Runs every ONNX node test through the reference evaluator. The checked-in list
/// (reference.passlist.txt) names the cases that must pass; it may only grow. The currently passing set is
/// written to artifacts/conformance/reference.passing.txt so the list can be extended after a change.
/// </summary>
public sealed class ReferenceNodeTests(ITestOutputHelper output)
{
    public static string? RunCase(NodeTestCase c)
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
                return "more inputs than graph inputs";
            }
            for (int i = 0; i < inputs.Count; i++)
            {
                bound[formal[i]] = inputs[i];
            }
            var actual = Interpreter.Run(g, bound);
            if (actual.Length != expected.Count)
            {
                return $"{actual.Length} outputs, expected {expected.Count}";
            }
            for (int i = 0; i < expected.Count; i++)
            {
                if (NodeTestSuite.Compare(expected[i], actual[i]) is { } diff)
                {
                    return $"output {i}: {diff}";
                }
            }
            return null;
        }
        catch (Exception e) when (e is WebDnnException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or InvalidCastException or NotSupportedException or OverflowException or NullReferenceException or DivideByZeroException)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    [Fact]
    public void ListedCasesPass()
    {
        var listPath = Path.Combine(AppContext.BaseDirectory, "Conformance", "reference.passlist.txt");
        var listed = File.ReadAllLines(listPath).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
        var passing = new List<string>();
        var failures = new List<string>();
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var c in NodeTestSuite.Cases())
        {
            var err = RunCase(c);
            if (err is null)
            {
                passing.Add(c.Name);
            }
            else
            {
                var key = err.Length > 90 ? err[..90] : err;
                reasons[key] = reasons.GetValueOrDefault(key) + 1;
                if (listed.Contains(c.Name))
                {
                    failures.Add($"{c.Name}: {err}");
                }
            }
        }
        var dir = Path.Combine(FindRepoRoot(), "artifacts", "conformance");
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, "reference.passing.txt"), passing);
        File.WriteAllLines(Path.Combine(dir, "reference.failures.txt"), reasons.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Value}\t{kv.Key}"));
        output.WriteLine($"reference evaluator: {passing.Count} of {NodeTestSuite.Cases().Count} ONNX node tests pass ({listed.Count} listed)");
        Support.TestSummary.Add($"[conformance] reference evaluator: {passing.Count} of {NodeTestSuite.Cases().Count} ONNX node tests pass ({listed.Count} listed)");
        Assert.True(failures.Count == 0, $"{failures.Count} listed node tests fail:\n{string.Join("\n", failures.Take(50))}");
    }

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
