using System.Text.RegularExpressions;
using WebDnn.Onnx;
using WebDnn.Ops;
using WebDnn.Tooling.Conformance;

namespace WebDnn.Tests.Meta;

/// <summary>
/// Keeps the op matrix honest (ILSpy's <c>AllFilesHaveTests</c> is the model): every registered op has tests, and
/// either lowers to primitive kernels or stands on Meta/reference-only.txt with a reason. A stale entry (an op that
/// lowers, or is not registered) fails too, so the list shrinks as lowerings arrive.
/// </summary>
public sealed partial class OpCoverageTests
{
    private static readonly string s_listPath = Path.Combine(AppContext.BaseDirectory, "Meta", "reference-only.txt");

    /// <summary>Op type → reason, from Meta/reference-only.txt ("OpType  reason", '#' comments).</summary>
    public static Dictionary<string, string> ReferenceOnly()
    {
        var list = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(s_listPath))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            int sp = line.IndexOfAny([' ', '\t']);
            Assert.True(sp > 0, $"reference-only.txt: '{line}' has no reason");
            list.Add(line[..sp], line[sp..].Trim());
        }
        return list;
    }

    private static string Key(OpDef op) => op.Domain.Length == 0 ? op.OpType : $"{op.Domain}.{op.OpType}";

    /// <summary>True when the op's class (or a base class below <see cref="OpDef"/>) overrides <see cref="OpDef.Lower"/>.</summary>
    public static bool HasLowering(OpDef op) => op.GetType().GetMethod(nameof(OpDef.Lower), [typeof(LowerContext)])!.DeclaringType != typeof(OpDef);

    [Fact]
    public void Every_op_lowers_or_is_listed_reference_only_with_a_reason()
    {
        var list = ReferenceOnly();
        var ops = OpRegistry.All.ToDictionary(Key, StringComparer.Ordinal);
        var unlisted = ops.Values.Where(o => !HasLowering(o) && !list.ContainsKey(Key(o))).Select(Key).Order(StringComparer.Ordinal).ToList();
        var stale = list.Keys.Where(k => !ops.TryGetValue(k, out var o) || HasLowering(o)).Order(StringComparer.Ordinal).ToList();
        var noReason = list.Where(kv => kv.Value.Length < 10).Select(kv => kv.Key).ToList();
        Assert.True(unlisted.Count == 0, $"ops without a lowering that are not on Meta/reference-only.txt: {string.Join(", ", unlisted)}");
        Assert.True(stale.Count == 0, $"Meta/reference-only.txt lists ops that lower or are not registered: {string.Join(", ", stale)}");
        Assert.True(noReason.Count == 0, $"Meta/reference-only.txt entries need a reason: {string.Join(", ", noReason)}");
    }

    [Fact]
    public void Every_op_has_tests()
    {
        // An op is tested when a node test on the reference pass list uses it, or a test source builds a node of it
        // (graph text "%y = Op(", <c>OnnxBuilder.Node("Op", …)</c> or the elementwise helpers <c>Unary/Binary/Act("Op", …)</c>).
        var tested = new HashSet<string>(StringComparer.Ordinal);
        var listed = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Conformance", "reference.passlist.txt"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet(StringComparer.Ordinal);
        foreach (var c in NodeTestSuite.Cases().Where(c => listed.Contains(c.Name)))
        {
            foreach (var n in OnnxImporter.Load(c.ModelPath).Nodes)
            {
                tested.Add(n.Domain.Length == 0 || n.Domain == "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}");
            }
        }
        var sources = Directory.GetFiles(Path.Combine(Conformance.ReferenceNodeTests.FindRepoRoot(), "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(File.ReadAllText).ToList();
        Assert.NotEmpty(sources);
        foreach (var src in sources)
        {
            foreach (Match m in NodeInSource().Matches(src))
            {
                tested.Add(m.Groups["op"].Value);
            }
        }
        var untested = OpRegistry.All.Where(o => !tested.Contains(o.OpType) && !tested.Contains(Key(o))).Select(Key).Order(StringComparer.Ordinal).ToList();
        Assert.True(untested.Count == 0, $"registered ops with no test (no listed node test, no test building the node): {string.Join(", ", untested)}");
    }

    [GeneratedRegex("""(?:%[\w.:]+(?:\s*,\s*%[\w.:]+)*\s*=\s*|(?:Node|Unary|Binary|Act)\(\s*")(?<op>(?:[a-z]+\.)*[A-Z][A-Za-z0-9]*)(?:\(|")""")]
    private static partial Regex NodeInSource();
}
