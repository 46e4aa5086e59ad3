using WebDnn.Core;

namespace WebDnn.Ops.Quantization;

/// <summary>
/// ONNX QLinearConv (opset 10): inputs x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point,
/// optional int32 bias B (scale x_scale·w_scale). y = saturate(round_half_even((x_scale·w_scale[m]·(Σ (x-x_zp)(w-w_zp) + B[m])) / y_scale) + y_zp).
/// w_scale/w_zero_point may be per output channel. Reference only.
/// </summary>
public sealed class QLinearConv : OpDef
{
    public override string OpType => "QLinearConv";

    public override int SinceVersion => 10;

    public override void InferTypes(InferContext ctx) => QuantConv.Infer(ctx, 0, 3, ctx.InputType(7).DataType);

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(3);
        var xv = QuantConv.Shift(ctx, x, ctx.Input(2), null);
        var wzp = ctx.Input(5);
        var wv = QuantConv.Shift(ctx, w, wzp, wzp.Length > 1 ? w.Shape[0] : null);
        var (acc, shape) = QuantConv.Run(ctx, x.Shape, xv, w.Shape, wv, ctx.OptionalInput(8)?.ToFloats());
        double xs = ctx.Input(1).GetDouble(0);
        var ws = ctx.Input(4);
        double ys = ctx.Input(6).GetDouble(0);
        var yzp = ctx.Input(7);
        var (lo, hi) = QuantCommon.Range(ctx, yzp.DataType);
        int m = shape[1];
        int inner = shape[2..].Aggregate(1, (a, b) => a * b);
        var y = Tensor.Zeros(yzp.DataType, shape);
        for (int i = 0; i < acc.Length; i++)
        {
            int ch = i / inner % m;
            double v = Math.Round(acc[i] * xs * ws.GetDouble(ws.Length == 1 ? 0 : ch) / ys, MidpointRounding.ToEven) + yzp.GetLong(0);
            y.SetLong(i, (long)Math.Clamp(v, lo, hi));
        }
        ctx.SetOutput(0, y);
    }
}
