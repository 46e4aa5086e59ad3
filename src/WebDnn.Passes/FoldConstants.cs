using WebDnn.Core;
using WebDnn.Ops;

namespace WebDnn.Passes;

/// <summary>
/// Constant folding. Walks the nodes in order, re-inferring each node's types first (so a value that just became
/// constant refines everything after it), then:
/// <list type="bullet">
/// <item>evaluates a node whose inputs are all constant (Constant nodes included) with the op's reference evaluator
/// (<see cref="OpDef.Evaluate"/>), unless the op is non-deterministic, has subgraphs or outer-scope inputs, or an output
/// would exceed <see cref="MaxBytes"/>;</item>
/// <item>folds Shape (with opset-15 start/end) and Size of a value whose shape is static, even when the value itself is
/// not constant. This collapses the Shape→Gather→Unsqueeze→Concat→Reshape subgraphs exporters write for dynamic
/// shapes once the shapes are known.</item>
/// </list>
/// A folded node's outputs become constant values (the same <see cref="Value"/> objects, so names and graph outputs
/// stay). Nodes whose evaluation fails are left alone with a diagnostic.
/// </summary>
/// <remarks>Must run after InferShapes (it needs input types for Shape/Size and for the size limit).</remarks>
public sealed class FoldConstants : IGraphPass
{
    /// <summary>Largest folded output in bytes (bigger results stay computed at run time: a weight that large is not worth shipping).</summary>
    public long MaxBytes { get; init; } = 64L << 20;

    public string Name => "fold-constants";

    public void Run(Graph g, PassContext ctx)
    {
        foreach (var node in g.Nodes.ToArray())
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            var op = OpRegistry.Find(node);
            if (op is null)
            {
                continue;
            }
            op.InferTypes(new InferContext(node));
            if (TryFoldShape(g, node) || !IsFoldable(g, node, op))
            {
                continue;
            }
            var inputs = node.Inputs.Select(v => v?.Const).ToArray();
            var ectx = new EvalContext(node, inputs);
            try
            {
                op.Evaluate(ectx);
            }
            catch (Exception e) when (e is WebDnnException or NotSupportedException or NotImplementedException or ArgumentException or InvalidOperationException)
            {
                ctx.Diagnostics.Add($"{Name}: {node.Describe()} was not folded: {e.Message}");
                continue;
            }
            if (!Commit(g, node, ectx.Outputs))
            {
                ctx.Diagnostics.Add($"{Name}: {node.Describe()} was not folded: an output is missing or larger than {MaxBytes} bytes");
            }
        }
    }

    private bool IsFoldable(Graph g, Node node, OpDef op)
    {
        if (!op.IsDeterministic || node.ImplicitInputs.Count > 0 || node.Outputs.Count == 0
            || node.Attributes.Values.Any(a => a.G is not null || a.Graphs.Length > 0))
        {
            return false;
        }
        if (node.Outputs.TrueForAll(g.IsUnused))
        {
            // Dead: RemoveDeadNodes deletes it; evaluating it would only cost time.
            return false;
        }
        foreach (var v in node.Inputs)
        {
            if (v is not null && !v.IsConstant)
            {
                return false;
            }
        }
        foreach (var o in node.Outputs)
        {
            if (o.Type is { IsStatic: true } t && t.ElementCount * Math.Max(1, t.DataType.ByteSize()) > MaxBytes)
            {
                return false;
            }
        }
        return true;
    }

    private bool Commit(Graph g, Node node, Tensor?[] results)
    {
        for (int k = 0; k < node.Outputs.Count; k++)
        {
            var o = node.Outputs[k];
            var t = results[k];
            if (t is null ? !g.IsUnused(o) : (long)t.Length * Math.Max(1, t.DataType.ByteSize()) > MaxBytes)
            {
                return false;
            }
        }
        g.RemoveNode(node);
        for (int k = 0; k < node.Outputs.Count; k++)
        {
            if (results[k] is { } t)
            {
                var o = node.Outputs[k];
                o.Const = t;
                o.Type = t.Type;
            }
        }
        return true;
    }

    /// <summary>Shape/Size of a statically shaped value become constants.</summary>
    private static bool TryFoldShape(Graph g, Node node)
    {
        if (!(node.Is("Shape") || node.Is("Size")) || node.Input(0)?.Type?.Shape is not { } shape || node.Outputs.Count != 1)
        {
            return false;
        }
        int rank = shape.Length;
        int start = 0, end = rank;
        if (node.Is("Shape"))
        {
            start = Clamp(node.Attributes.TryGetValue("start", out var s) ? s.I : 0, rank);
            end = Clamp(node.Attributes.TryGetValue("end", out var e) ? e.I : rank, rank);
        }
        var dims = shape[start..Math.Max(start, end)];
        if (dims.Any(d => !d.IsKnown) || node.Is("Size") && shape.Any(d => !d.IsKnown))
        {
            return false;
        }
        var t = node.Is("Shape")
            ? Tensor.FromLongs([dims.Length], dims.Select(d => d.Value).ToArray())
            : Tensor.ScalarLong(shape.Aggregate(1L, (a, d) => a * d.Value));
        var o = node.Outputs[0];
        g.RemoveNode(node);
        o.Const = t;
        o.Type = t.Type;
        return true;
    }

    private static int Clamp(long axis, int rank) => (int)Math.Clamp(axis < 0 ? axis + rank : axis, 0, rank);
}
