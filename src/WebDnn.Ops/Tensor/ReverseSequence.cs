using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX ReverseSequence (opset 10): for each batch entry b (along <c>batch_axis</c>, default 1), the first
/// sequence_lens[b] elements along <c>time_axis</c> (default 0) are reversed; the rest are copied unchanged.
/// No lowering.
/// </summary>
public sealed class ReverseSequence : OpDef
{
    public override string OpType => "ReverseSequence";

    public override int SinceVersion => 10;

    public override void InferTypes(InferContext ctx) => ctx.SetOutput(0, ctx.InputType(0));

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var lens = ctx.Input(1).ToLongs();
        int batchAxis = ctx.Axis(ctx.Int("batch_axis", 1), x.Rank);
        int timeAxis = ctx.Axis(ctx.Int("time_axis", 0), x.Rank);
        if (batchAxis == timeAxis || x.Rank < 2 || lens.Length != x.Shape[batchAxis])
        {
            throw ctx.Error("batch_axis and time_axis must differ and sequence_lens must have one entry per batch element");
        }
        var strides = Tensor.Strides(x.Shape);
        var index = new int[x.Length];
        TensorOpHelpers.ForEachIndex(x.Shape, (o, idx) =>
        {
            long len = lens[idx[batchAxis]];
            if (len < 0 || len > x.Shape[timeAxis])
            {
                throw ctx.Error($"sequence length {len} is out of range [0, {x.Shape[timeAxis]}]");
            }
            int t = idx[timeAxis];
            index[o] = t < len ? o + (int)(len - 1 - 2 * t) * strides[timeAxis] : o;
        });
        ctx.SetOutput(0, TensorOpHelpers.Take(x, x.Shape, index));
    }
}
