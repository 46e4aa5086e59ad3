using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX QLinearMatMul (opset 10, 21): inputs a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point;
/// y = saturate(round_half_even(Σ_k (a - a_zp)·a_scale · (b - b_zp)·b_scale / y_scale) + y_zp) to y's int8/uint8 range,
/// matmul with numpy semantics. Scales/zero points are per tensor, or per row of a / per column of b.
/// Computed in double. Reference only.
/// </summary>
public sealed class QLinearMatMul : OpDef
{
    public override string OpType => "QLinearMatMul";

    public override int SinceVersion => 10;

    public override void InferTypes(InferContext ctx)
    {
        var a = ctx.InputType(0);
        var b = ctx.InputType(3);
        var y = ctx.InputType(7);
        ctx.SetOutput(0, y.DataType, a.Shape is null || b.Shape is null ? null : MatMul.OutDims(ctx, a.Shape, b.Shape));
    }

    private static Tensor Dequant(NodeContext ctx, Tensor x, Tensor scale, Tensor zp, bool perRow)
    {
        var shifted = MatMulInteger.Shift(ctx, x, zp, perRow);
        var r = new double[x.Length];
        int cols = x.Shape[^1], rows = x.Rank >= 2 ? x.Shape[^2] : 1;
        for (int i = 0; i < r.Length; i++)
        {
            int k = scale.Length == 1 ? 0 : perRow ? i / cols % rows : i % cols;
            r[i] = shifted.GetLong(i) * scale.GetDouble(k);
        }
        return new Tensor(DataType.Float64, x.Shape, r);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var a = Dequant(ctx, ctx.Input(0), ctx.Input(1), ctx.Input(2), ctx.Input(0).Rank >= 2);
        var b = Dequant(ctx, ctx.Input(3), ctx.Input(4), ctx.Input(5), false);
        var ys = ctx.Input(6);
        var yzp = ctx.Input(7);
        var outShape = MatMul.OutDims(ctx, Shapes.ToDims(a.Shape), Shapes.ToDims(b.Shape)).Select(d => (int)d.Value).ToArray();
        int[] sa = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape;
        int[] sb = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape;
        int m = sa[^2], k = sa[^1], n = sb[^1];
        var batchA = sa[..^2];
        var batchB = sb[..^2];
        var batch = Shapes.Broadcast(ctx, batchA, batchB);
        var y = Tensor.Zeros(yzp.DataType, outShape);
        var (lo, hi) = yzp.DataType == DataType.Int8 ? (-128, 127) : yzp.DataType == DataType.UInt8 ? (0, 255) : (int.MinValue, int.MaxValue);
        var av = (double[])a.Data;
        var bv = (double[])b.Data;
        Shapes.ForEachBroadcast(batch, [batchA, batchB], (t, offs) =>
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double acc = 0;
                    for (int p = 0; p < k; p++)
                    {
                        acc += av[offs[0] * m * k + i * k + p] * bv[offs[1] * k * n + p * n + j];
                    }
                    int o = (t * m + i) * n + j;
                    int yk = ys.Length == 1 ? 0 : j % ys.Length;
                    double q = Math.Round(acc / ys.GetDouble(yk), MidpointRounding.ToEven) + yzp.GetLong(yzp.Length == 1 ? 0 : j % yzp.Length);
                    y.SetLong(o, (long)Math.Clamp(q, lo, hi));
                }
            }
        });
        ctx.SetOutput(0, y);
    }
}
