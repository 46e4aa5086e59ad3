using WebDnn.Core;

namespace WebDnn.Ops.ControlFlow;

/// <summary>Slicing and stacking along an axis for Loop and Scan.</summary>
internal static class ControlFlowCommon
{
    /// <summary>The slice <paramref name="index"/> of <paramref name="t"/> along <paramref name="axis"/> (that axis removed).</summary>
    public static Tensor Slice(Tensor t, int axis, int index)
    {
        int outer = t.Shape[..axis].Aggregate(1, (a, b) => a * b);
        int n = t.Shape[axis];
        int inner = t.Shape[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        int[] shape = [.. t.Shape[..axis], .. t.Shape[(axis + 1)..]];
        var r = Tensor.Zeros(t.DataType, shape);
        for (int o = 0; o < outer; o++)
        {
            Array.Copy(t.Data, (o * n + index) * inner, r.Data, o * inner, inner);
        }
        return r;
    }

    /// <summary>Stacks equally shaped tensors along a new axis <paramref name="axis"/>.</summary>
    public static Tensor Stack(NodeContext ctx, IReadOnlyList<Tensor> parts, int axis, DataType dt, int[]? emptyShape)
    {
        if (parts.Count == 0)
        {
            return Tensor.Zeros(dt, emptyShape ?? [0]);
        }
        var s = parts[0].Shape;
        if (parts.Any(p => !p.Shape.SequenceEqual(s)))
        {
            throw ctx.Error("scan outputs change shape between iterations");
        }
        int outer = s[..axis].Aggregate(1, (a, b) => a * b);
        int inner = s[axis..].Aggregate(1, (a, b) => a * b);
        int n = parts.Count;
        var r = Tensor.Zeros(parts[0].DataType, [.. s[..axis], n, .. s[axis..]]);
        for (int k = 0; k < n; k++)
        {
            for (int o = 0; o < outer; o++)
            {
                Array.Copy(parts[k].Data, o * inner, r.Data, (o * n + k) * inner, inner);
            }
        }
        return r;
    }

    public static Func<Graph, Tensor?[], Tensor[]> Runner(EvalContext ctx) =>
        ctx.RunSubgraph ?? throw ctx.Error("this evaluator cannot run subgraphs");

    public static Graph Body(NodeContext ctx, string name) => ctx.GraphAttr(name) ?? throw ctx.Error($"required graph attribute '{name}' is missing");
}
