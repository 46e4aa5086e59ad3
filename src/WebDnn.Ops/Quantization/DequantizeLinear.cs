using WebDnn.Core;

namespace WebDnn.Ops.Quantization;

/// <summary>
/// ONNX DequantizeLinear (opset 10, 13 per-axis, 19, 21 blocked, 23 output_dtype): y = (x - x_zero_point) · x_scale.
/// The output type is output_dtype (opset 23+) when set, else x_scale's type (f32 before opset 19). Scales are per
/// tensor, per axis (axis default 1) or blocked (block_size). Integer inputs only (no float8/int4 here). Reference only.
/// </summary>
public sealed class DequantizeLinear : OpDef
{
    public override string OpType => "DequantizeLinear";

    public override int SinceVersion => 10;

    private static DataType OutType(NodeContext ctx, DataType scale)
    {
        long od = ctx.Opset >= 23 ? ctx.Int("output_dtype", 0) : 0;
        return od != 0 ? (DataType)od : scale;
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var s = ctx.InputType(1);
        ctx.SetOutput(0, OutType(ctx, s.DataType), x.Shape);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var scale = ctx.Input(1);
        var zp = ctx.OptionalInput(2);
        if (!x.DataType.IsInteger())
        {
            throw ctx.Error($"input type {x.DataType} is not supported (integer types only)");
        }
        long axis = QuantCommon.AxisOf(ctx);
        var si = QuantCommon.ScaleIndex(ctx, x.Shape, scale, axis, QuantCommon.BlockOf(ctx));
        var y = new double[x.Length];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (x.GetLong(i) - (zp?.GetLong(si[i]) ?? 0)) * scale.GetDouble(si[i]);
        }
        ctx.SetOutput(0, Tensor.FromDoubles(OutType(ctx, scale.DataType), x.Shape, y));
    }
}
