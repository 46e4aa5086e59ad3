using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX MatMulInteger (opset 10): Y (int32) = (A - a_zero_point) · (B - b_zero_point) with numpy.matmul semantics,
/// A and B int8/uint8; a_zero_point is a scalar or per row of A ([M]), b_zero_point a scalar or per column of B ([N]);
/// both default to 0. Exact integer arithmetic. Reference only.
/// </summary>
public sealed class MatMulInteger : OpDef
{
    public override string OpType => "MatMulInteger";

    public override int SinceVersion => 10;

    public override void InferTypes(InferContext ctx)
    {
        var a = ctx.InputType(0);
        var b = ctx.InputType(1);
        ctx.SetOutput(0, DataType.Int32, a.Shape is null || b.Shape is null ? null : MatMul.OutDims(ctx, a.Shape, b.Shape));
    }

    /// <summary>x - zero point as int64, the zero point per row (axis -2) for A or per column (axis -1) for B.</summary>
    internal static Tensor Shift(NodeContext ctx, Tensor x, Tensor? zp, bool perRow)
    {
        var r = new long[x.Length];
        int cols = x.Shape[^1];
        int rows = x.Rank >= 2 ? x.Shape[^2] : 1;
        for (int i = 0; i < r.Length; i++)
        {
            long z = 0;
            if (zp is not null && zp.Length > 0)
            {
                int k = zp.Length == 1 ? 0 : perRow ? i / cols % rows : i % cols;
                if (k >= zp.Length)
                {
                    throw ctx.Error($"zero point has {zp.Length} values, too few for [{string.Join(",", x.Shape)}]");
                }
                z = zp.GetLong(k);
            }
            r[i] = x.GetLong(i) - z;
        }
        return new Tensor(DataType.Int64, x.Shape, r);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var a = Shift(ctx, ctx.Input(0), ctx.OptionalInput(2), ctx.Input(0).Rank >= 2);
        var b = Shift(ctx, ctx.Input(1), ctx.OptionalInput(3), false);
        var outShape = MatMul.OutDims(ctx, Shapes.ToDims(a.Shape), Shapes.ToDims(b.Shape)).Select(d => (int)d.Value).ToArray();
        var y = MatMul.Multiply(ctx, a, b, outShape);
        ctx.SetOutput(0, Tensor.FromLongs(DataType.Int32, outShape, y.ToLongs()));
    }
}
