using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX ScatterElements (opset 11): out = copy of data; for each position idx of indices,
/// out[idx with idx[axis] = indices[idx]] = f(out[…], updates[idx]) where f is <c>reduction</c>: none (replace;
/// duplicates: the last update wins), add, mul (opset 16+), max, min (opset 18+). Negative indices count from the end.
/// No lowering.
/// </summary>
public sealed class ScatterElements : OpDef
{
    public override string OpType => "ScatterElements";

    public override int SinceVersion => 11;

    public override void InferTypes(InferContext ctx) => ctx.SetOutput(0, ctx.InputType(0));

    public override void Evaluate(EvalContext ctx) => ctx.SetOutput(0, Scatter(ctx, ctx.Int("axis", 0), ctx.Str("reduction", "none")));

    /// <summary>The shared evaluator of ScatterElements and the deprecated Scatter.</summary>
    internal static Tensor Scatter(EvalContext ctx, long axisAttr, string reduction)
    {
        var data = ctx.Input(0);
        var indices = ctx.Input(1);
        var updates = ctx.Input(2);
        if (indices.Rank != data.Rank || !indices.Shape.SequenceEqual(updates.Shape))
        {
            throw ctx.Error($"indices [{string.Join(",", indices.Shape)}] and updates [{string.Join(",", updates.Shape)}] must have the same shape and data's rank {data.Rank}");
        }
        int axis = ctx.Axis(axisAttr, data.Rank);
        var result = TensorOpHelpers.Clone(data);
        var strides = Tensor.Strides(data.Shape);
        int dim = data.Shape[axis];
        var combine = Reduction(ctx, reduction);
        TensorOpHelpers.ForEachIndex(indices.Shape, (u, idx) =>
        {
            long k = indices.GetLong(u);
            if (k < -dim || k >= dim)
            {
                throw ctx.Error($"index {k} is out of range for axis {axis} of size {dim}");
            }
            int off = 0;
            for (int d = 0; d < idx.Length; d++)
            {
                off += (d == axis ? (int)(k < 0 ? k + dim : k) : idx[d]) * strides[d];
            }
            combine(result, off, updates, u);
        });
        return result;
    }

    /// <summary>The update rule for a scatter <c>reduction</c> attribute: (destination, index, updates, index).</summary>
    internal static Action<Tensor, int, Tensor, int> Reduction(NodeContext ctx, string reduction)
    {
        Func<double, double, double> f;
        Func<long, long, long> g;
        switch (reduction)
        {
            case "none": return (d, di, u, ui) => TensorOpHelpers.CopyElement(u, ui, d, di);
            case "add": f = (a, b) => a + b; g = (a, b) => unchecked(a + b); break;
            case "mul": f = (a, b) => a * b; g = (a, b) => unchecked(a * b); break;
            case "max": f = Math.Max; g = Math.Max; break;
            case "min": f = Math.Min; g = Math.Min; break;
            default: throw ctx.Error($"unknown reduction '{reduction}'");
        }
        return (d, di, u, ui) =>
        {
            if (d.DataType.IsFloat())
            {
                d.SetDouble(di, f(d.GetDouble(di), u.GetDouble(ui)));
            }
            else
            {
                d.SetLong(di, g(d.GetLong(di), u.GetLong(ui)));
            }
        };
    }
}
