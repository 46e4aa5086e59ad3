using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Trilu (opset 14): keeps the upper (<c>upper</c> = 1, default) or lower triangle of the last two axes and
/// zeroes the rest. With k = the optional int64 scalar input 1 (default 0), element (i, j) is kept when
/// j − i ≥ k (upper) or j − i ≤ k (lower). No lowering.
/// </summary>
public sealed class Trilu : OpDef
{
    public override string OpType => "Trilu";

    public override int SinceVersion => 14;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is not null && x.Rank < 2)
        {
            throw ctx.Error($"input must have rank ≥ 2, not {x}");
        }
        ctx.SetOutput(0, x);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        if (x.Rank < 2)
        {
            throw ctx.Error($"input must have rank ≥ 2, not [{string.Join(",", x.Shape)}]");
        }
        long k = ctx.OptionalInput(1) is { Length: > 0 } kt ? kt.GetLong(0) : 0;
        bool upper = ctx.Int("upper", 1) != 0;
        int rows = x.Shape[^2], cols = x.Shape[^1];
        var index = new int[x.Length];
        for (int o = 0; o < x.Length; o++)
        {
            int j = o % cols, i = o / cols % rows;
            long diff = (long)j - i;
            index[o] = upper ? (diff >= k ? o : -1) : (diff <= k ? o : -1);
        }
        ctx.SetOutput(0, TensorOpHelpers.Take(x, x.Shape, index));
    }
}
