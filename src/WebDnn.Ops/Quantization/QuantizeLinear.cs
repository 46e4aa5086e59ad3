using WebDnn.Core;

namespace WebDnn.Ops.Quantization;

/// <summary>
/// ONNX QuantizeLinear (opset 10, 13 per-axis, 19 saturate, 21 blocked/output_dtype, 23):
/// y = saturate(round_half_even(x / y_scale) + y_zero_point) to the output type's range. The output type is
/// y_zero_point's, else output_dtype (opset 21+), else uint8. Scales are per tensor, per axis (axis default 1) or
/// blocked (block_size). NaN quantizes to 0 + zero point. Integer output types only (no float8/int4 here).
/// Reference only.
/// </summary>
public sealed class QuantizeLinear : OpDef
{
    public override string OpType => "QuantizeLinear";

    public override int SinceVersion => 10;

    private static DataType OutType(NodeContext ctx, DataType? zp)
    {
        if (zp is { } z)
        {
            return z;
        }
        long od = ctx.Opset >= 21 ? ctx.Int("output_dtype", 0) : 0;
        return od == 0 ? DataType.UInt8 : (DataType)od;
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var dt = OutType(ctx, ctx.OptionalInputType(2)?.DataType);
        QuantCommon.Range(ctx, dt);
        ctx.SetOutput(0, dt, x.Shape);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var scale = ctx.Input(1);
        var zp = ctx.OptionalInput(2);
        var dt = OutType(ctx, zp?.DataType);
        var (lo, hi) = QuantCommon.Range(ctx, dt);
        long axis = QuantCommon.AxisOf(ctx);
        var si = QuantCommon.ScaleIndex(ctx, x.Shape, scale, axis, QuantCommon.BlockOf(ctx));
        var y = Tensor.Zeros(dt, x.Shape);
        for (int i = 0; i < x.Length; i++)
        {
            // f32 inputs divide in f32, as the ONNX reference does (x / scale can round to an exact .5 there).
            double q = x.DataType == DataType.Float32 && scale.DataType == DataType.Float32
                ? MathF.Round((float)x.GetDouble(i) / (float)scale.GetDouble(si[i]), MidpointRounding.ToEven)
                : Math.Round(x.GetDouble(i) / scale.GetDouble(si[i]), MidpointRounding.ToEven);
            if (double.IsNaN(q))
            {
                q = 0;
            }
            q += zp?.GetLong(si[i]) ?? 0;
            y.SetLong(i, (long)Math.Clamp(q, lo, hi));
        }
        ctx.SetOutput(0, y);
    }
}
