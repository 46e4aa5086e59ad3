using WebDnn.Core;
using WebDnn.Ops.Nn;

namespace WebDnn.Ops.Quantization;

/// <summary>
/// ONNX ConvInteger (opset 10): y = Conv(x - x_zero_point, w - w_zero_point) accumulated in int32, with Conv's
/// attributes (auto_pad, dilations, group, kernel_shape, pads, strides); padding reads the zero point (0 after the shift).
/// w_zero_point may be per output channel. The product is computed in f32, exact while |Σ| &lt; 2²⁴. Reference only.
/// </summary>
public sealed class ConvInteger : OpDef
{
    public override string OpType => "ConvInteger";

    public override int SinceVersion => 10;

    public override void InferTypes(InferContext ctx) => QuantConv.Infer(ctx, 0, 1, DataType.Int32);

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var xv = QuantConv.Shift(ctx, x, ctx.OptionalInput(2), null);
        var wv = QuantConv.Shift(ctx, w, ctx.OptionalInput(3), null);
        var (y, shape) = QuantConv.Run(ctx, x.Shape, xv, w.Shape, wv, null);
        var r = new int[y.Length];
        for (int i = 0; i < r.Length; i++)
        {
            r[i] = (int)Math.Round(y[i]);
        }
        ctx.SetOutput(0, new Tensor(DataType.Int32, shape, r));
    }
}

/// <summary>Shared by ConvInteger and QLinearConv.</summary>
internal static class QuantConv
{
    public static void Infer(InferContext ctx, int xi, int wi, DataType outType)
    {
        var x = ctx.InputType(xi);
        var w = ctx.InputType(wi);
        if (x.Shape is null || w.Shape is null || !w.Shape.Skip(2).All(d => d.IsKnown))
        {
            ctx.SetOutput(0, outType, null);
            return;
        }
        if (x.Rank < 3 || w.Rank != x.Rank)
        {
            throw ctx.Error($"input {x} and weight {w} ranks do not fit");
        }
        var sp = Spatial.Read(ctx, x.Rank - 2, w.Shape.Skip(2).Select(d => (int)d.Value).ToArray());
        ctx.SetOutput(0, outType, [x.Shape[0], w.Shape[0], .. sp.OutDims(ctx, x.Shape[2..])]);
    }

    /// <summary>x - zp as floats; a per-channel zero point applies along axis 0 with <paramref name="channels"/> entries.</summary>
    public static float[] Shift(NodeContext ctx, Tensor x, Tensor? zp, int? channels)
    {
        var r = new float[x.Length];
        int inner = x.Length / Math.Max(1, x.Shape.Length > 0 ? x.Shape[0] : 1);
        if (zp is not null && zp.Length > 1 && (zp.Length != (channels ?? x.Shape[0])))
        {
            throw ctx.Error($"zero point has {zp.Length} values; expected 1 or {x.Shape[0]}");
        }
        for (int i = 0; i < r.Length; i++)
        {
            long z = zp is null ? 0 : zp.Length == 1 ? zp.GetLong(0) : zp.GetLong(i / inner);
            r[i] = x.GetLong(i) - z;
        }
        return r;
    }

    public static (float[] Y, int[] Shape) Run(NodeContext ctx, int[] xShape, float[] x, int[] wShape, float[] w, float[]? bias)
    {
        if (xShape.Length < 3 || wShape.Length != xShape.Length)
        {
            throw ctx.Error($"input [{string.Join(",", xShape)}] and weight [{string.Join(",", wShape)}] ranks do not fit");
        }
        int r = xShape.Length - 2;
        var sp = Spatial.Read(ctx, r, wShape[2..]);
        int group = (int)ctx.Int("group", 1);
        int n = xShape[0], c = xShape[1], m = wShape[0];
        if (group <= 0 || c % group != 0 || m % group != 0 || wShape[1] != c / group)
        {
            throw ctx.Error($"channels do not fit: input {c}, weight [{string.Join(",", wShape)}], group {group}");
        }
        var inSp = xShape[2..];
        var pads = sp.ResolvedPads(inSp);
        var outSp = new int[r];
        for (int i = 0; i < r; i++)
        {
            outSp[i] = checked((int)sp.Axis(i, inSp[i]).Out);
            if (outSp[i] <= 0)
            {
                throw ctx.Error($"spatial axis {i} of size {inSp[i]} is smaller than the kernel extent");
            }
        }
        var y = Conv.Forward(x, n, c, inSp, w, m, sp.Kernel, sp.Strides, sp.Dilations, pads[..r], outSp, group, bias);
        return (y, [n, m, .. outSp]);
    }
}
