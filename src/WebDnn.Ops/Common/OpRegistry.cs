using System.Reflection;
using WebDnn.Core;

namespace WebDnn.Ops;

/// <summary>
/// All operators, keyed by (domain, op type). Built once from the concrete <see cref="OpDef"/> subclasses of this
/// assembly: the registry is data, its order does not matter, and the meta-tests check every op has tests.
/// </summary>
public static class OpRegistry
{
    /// <summary>The highest ai.onnx opset version we accept.</summary>
    public const int MaxOpset = 23;

    /// <summary>The lowest ai.onnx opset version we accept.</summary>
    public const int MinOpset = 7;

    private static readonly Dictionary<(string, string), OpDef> s_ops = typeof(OpDef).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(OpDef)) && !t.IsAbstract && t.GetConstructor(Type.EmptyTypes) is not null)
        .Select(t => (OpDef)Activator.CreateInstance(t)!)
        .ToDictionary(o => (NormalizeDomain(o.Domain), o.OpType));

    public static IEnumerable<OpDef> All => s_ops.Values;

    public static string NormalizeDomain(string d) => d == "ai.onnx" ? "" : d;

    public static OpDef? Find(string domain, string opType) => s_ops.GetValueOrDefault((NormalizeDomain(domain), opType));

    /// <summary>The op for <paramref name="node"/>, or null when we do not implement it (at its opset).</summary>
    public static OpDef? Find(Node node)
    {
        var op = Find(node.Domain, node.OpType);
        return op is not null && (node.Opset == 0 || node.Opset >= op.SinceVersion || op.Domain.Length > 0) ? op : null;
    }

    /// <summary>Throws an <see cref="UnsupportedModelException"/> listing every unsupported node of the graph (and subgraphs).</summary>
    public static void CheckSupported(Graph g)
    {
        var missing = Unsupported(g).ToList();
        if (missing.Count > 0)
        {
            var lines = missing.GroupBy(n => (n.Domain, n.OpType, n.Opset))
                .Select(gr => $"  {(gr.Key.Domain.Length == 0 ? "" : gr.Key.Domain + ".")}{gr.Key.OpType} (opset {gr.Key.Opset}): {string.Join(", ", gr.Take(5).Select(n => $"{Display.Quote(n.Name)}"))}{(gr.Count() > 5 ? $" and {gr.Count() - 5} more" : "")}");
            throw new UnsupportedModelException(
                $"the model uses {missing.Select(n => n.OpType).Distinct().Count()} unsupported operator(s):\n{string.Join("\n", lines)}\n" +
                "Re-export the model with supported operators, or open an issue naming them.");
        }
    }

    /// <summary>Nodes without an implementation, including nodes inside subgraphs.</summary>
    public static IEnumerable<Node> Unsupported(Graph g)
    {
        foreach (var n in g.Nodes)
        {
            if (Find(n) is null)
            {
                yield return n;
            }
            foreach (var a in n.Attributes.Values)
            {
                foreach (var sub in a.G is null ? a.Graphs : [a.G, .. a.Graphs])
                {
                    foreach (var m in Unsupported(sub))
                    {
                        yield return m;
                    }
                }
            }
        }
    }
}
