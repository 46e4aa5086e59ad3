using WebDnn.Core;
using WebDnn.Ops;

namespace WebDnn.Passes;

/// <summary>Small graph-surgery helpers shared by the passes (matching constants, bypassing nodes, replacing regions).</summary>
internal static class GraphRewrite
{
    /// <summary>True for an ai.onnx node of type <paramref name="opType"/>.</summary>
    public static bool Is(this Node n, string opType) => n.OpType == opType && OpRegistry.NormalizeDomain(n.Domain).Length == 0;

    /// <summary>True when <paramref name="v"/> is read by <paramref name="consumer"/> only (in any number of slots) and is not a graph output.</summary>
    public static bool OnlyUsedBy(Graph g, Value v, Node consumer) =>
        v.Consumers.Count > 0 && v.Consumers.TrueForAll(c => ReferenceEquals(c, consumer)) && !g.Outputs.Contains(v);

    /// <summary>The value of a one-element numeric constant, else null.</summary>
    public static double? ScalarConst(Value? v) =>
        v?.Const is { Length: 1 } t && t.DataType != DataType.String ? t.GetDouble(0) : null;

    /// <summary>True when <paramref name="v"/> is a numeric constant whose elements all equal <paramref name="x"/>.</summary>
    public static bool IsConstAll(Value? v, double x)
    {
        if (v?.Const is not { } t || t.DataType == DataType.String || t.Length == 0)
        {
            return false;
        }
        for (int i = 0; i < t.Length; i++)
        {
            if (t.GetDouble(i) != x)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Removes <paramref name="n"/>, whose <paramref name="output"/> equals its <paramref name="input"/>, and makes every
    /// user read the input. A graph output keeps its public name (the input takes it over); when the input is itself a
    /// graph input, a constant or another graph output this is impossible and nothing changes (returns false).
    /// </summary>
    public static bool Bypass(Graph g, NodeEdits edits, Node n, Value input, Value output)
    {
        if (g.Outputs.Contains(output) && (g.Inputs.Contains(input) || input.IsConstant || g.Outputs.Contains(input)))
        {
            return false;
        }
        foreach (var o in n.Outputs)
        {
            if (!ReferenceEquals(o, output) && !g.IsUnused(o))
            {
                return false;
            }
        }
        g.ReplaceAllUses(output, input);
        edits.Remove(n);
        return true;
    }

    /// <summary>A new node with the same op, name, opset and attributes as <paramref name="n"/> (no inputs or outputs).</summary>
    public static Node CloneHeader(Node n)
    {
        var c = new Node(n.OpType, n.Name, n.Domain) { Opset = n.Opset };
        c.FusedFrom.AddRange(n.FusedFrom);
        foreach (var a in n.Attributes.Values)
        {
            c.SetAttribute(a);
        }
        return c;
    }
}
