using WebDnn.Core;

namespace WebDnn.Ops.Quantization;

/// <summary>
/// ONNX DynamicQuantizeLinear (opset 11): uint8 quantization with range [min(0, min x), max(0, max x)]:
/// y_scale = (max - min) / 255 (f32), y_zero_point = saturate(round_half_even(-min / y_scale)),
/// y = saturate(round_half_even(x / y_scale) + y_zero_point) in [0, 255]. Scale arithmetic in f32 as in the spec. Reference only.
/// </summary>
public sealed class DynamicQuantizeLinear : OpDef
{
    public override string OpType => "DynamicQuantizeLinear";

    public override int SinceVersion => 11;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.DataType != DataType.Float32)
        {
            throw ctx.Error($"input must be f32, not {x.DataType}");
        }
        ctx.SetOutput(0, DataType.UInt8, x.Shape);
        ctx.SetOutput(1, DataType.Float32, []);
        ctx.SetOutput(2, DataType.UInt8, []);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0).ToFloats();
        float mx = 0, mn = 0;
        foreach (var v in x)
        {
            mx = Math.Max(mx, v);
            mn = Math.Min(mn, v);
        }
        float scale = (mx - mn) / 255f;
        float zpf = scale == 0 ? 0 : MathF.Round(-mn / scale, MidpointRounding.ToEven);
        byte zp = (byte)Math.Clamp(zpf, 0, 255);
        var y = new byte[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            float q = scale == 0 ? 0 : MathF.Round(x[i] / scale, MidpointRounding.ToEven);
            y[i] = (byte)Math.Clamp(q + zp, 0, 255);
        }
        ctx.SetOutput(0, new Tensor(DataType.UInt8, ctx.Input(0).Shape, y));
        ctx.SetOutput(1, Tensor.Scalar(scale));
        ctx.SetOutput(2, new Tensor(DataType.UInt8, [], new[] { zp }));
    }
}
