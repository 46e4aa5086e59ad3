using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Shape: the input's dimensions as a 1-D int64 tensor. Opset 15 adds <c>start</c>/<c>end</c> (default 0 / rank):
/// negative values count from the end, both are clamped to [0, rank], and start ≥ end gives an empty tensor.
/// Folded to a constant whenever the input shape is static; no lowering.
/// </summary>
public sealed class Shape : OpDef
{
    public override string OpType => "Shape";

    public override int SinceVersion => 7;

    private static (int Start, int End) Range(NodeContext ctx, int rank)
    {
        long start = ctx.Opset >= 15 ? ctx.Int("start", 0) : 0;
        long end = ctx.Opset >= 15 ? ctx.Int("end", rank) : rank;
        start = Math.Clamp(start < 0 ? start + rank : start, 0, rank);
        end = Math.Clamp(end < 0 ? end + rank : end, 0, rank);
        return ((int)start, (int)Math.Max(start, end));
    }

    public override void InferTypes(InferContext ctx)
    {
        var t = ctx.InputType(0);
        if (t.Shape is null)
        {
            ctx.SetOutput(0, DataType.Int64, [Dim.Unknown]);
            return;
        }
        var (s, e) = Range(ctx, t.Rank);
        ctx.SetOutput(0, DataType.Int64, [e - s]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var (s, e) = Range(ctx, x.Rank);
        ctx.SetOutput(0, Tensor.FromLongs([e - s], x.Shape[s..e].Select(d => (long)d).ToArray()));
    }
}
