using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX ScatterND (opset 11): out = copy of data; for each index tuple t = indices[i…] (length q = indices.shape[−1]),
/// the slice out[t…] (shape data.shape[q:]) is combined with updates[i…] by <c>reduction</c>: none (replace),
/// add, mul (opset 16+), max, min (opset 18+). Negative indices count from the end. No lowering.
/// </summary>
public sealed class ScatterND : OpDef
{
    public override string OpType => "ScatterND";

    public override int SinceVersion => 11;

    public override void InferTypes(InferContext ctx) => ctx.SetOutput(0, ctx.InputType(0));

    public override void Evaluate(EvalContext ctx)
    {
        var data = ctx.Input(0);
        var indices = ctx.Input(1);
        var updates = ctx.Input(2);
        int q = indices.Shape[^1];
        if (q > data.Rank)
        {
            throw ctx.Error($"indices last dimension {q} exceeds the data rank {data.Rank}");
        }
        int[] expect = [.. indices.Shape[..^1], .. data.Shape[q..]];
        if (!expect.SequenceEqual(updates.Shape))
        {
            throw ctx.Error($"updates have shape [{string.Join(",", updates.Shape)}], expected [{string.Join(",", expect)}]");
        }
        var result = TensorOpHelpers.Clone(data);
        var combine = ScatterElements.Reduction(ctx, ctx.Str("reduction", "none"));
        var strides = Tensor.Strides(data.Shape);
        int slice = data.Shape[q..].Aggregate(1, (a, d) => a * d);
        int rows = indices.Length / Math.Max(q, 1);
        if (q == 0)
        {
            rows = indices.Shape[..^1].Aggregate(1, (a, d) => a * d);
        }
        for (int r = 0; r < rows; r++)
        {
            int off = 0;
            for (int k = 0; k < q; k++)
            {
                int dim = data.Shape[k];
                long v = indices.GetLong(r * q + k);
                if (v < -dim || v >= dim)
                {
                    throw ctx.Error($"index {v} is out of range for axis {k} of size {dim}");
                }
                off += (int)(v < 0 ? v + dim : v) * strides[k];
            }
            for (int s = 0; s < slice; s++)
            {
                combine(result, off + s, updates, r * slice + s);
            }
        }
        ctx.SetOutput(0, result);
    }
}
