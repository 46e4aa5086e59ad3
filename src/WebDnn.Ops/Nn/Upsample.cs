using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX Upsample (opset 7: scales attribute; opset 9: scales input; deprecated by Resize-10): output length
/// floor(L · scale) per axis, x_in = x / scale (asymmetric); nearest takes floor(x_in), linear interpolates the two
/// neighbours (clamped at the edge). Shares <see cref="Resize"/>'s interpolation.
/// </summary>
public sealed class Upsample : OpDef
{
    public override string OpType => "Upsample";

    public override int SinceVersion => 7;

    private static Resize.Plan? MakePlan(NodeContext ctx, int[] inShape, Func<int, Tensor?> input)
    {
        double[]? scales = ctx.Opset >= 9 ? input(1)?.ToDoubles() : ctx.Floats("scales")?.Select(f => (double)f).ToArray();
        if (scales is null)
        {
            return null;
        }
        if (scales.Length != inShape.Length || scales.Any(s => s <= 0))
        {
            throw ctx.Error($"scales [{string.Join(",", scales)}] must hold one positive value per input axis ({inShape.Length})");
        }
        string mode = ctx.Str("mode", "nearest");
        if (mode == "bilinear")
        {
            mode = "linear";
        }
        var outShape = inShape.Select((d, i) => (int)Math.Floor(d * scales[i])).ToArray();
        return new Resize.Plan(mode, "asymmetric", "floor", -0.75, false, 0, false, scales, outShape, null);
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var plan = x.IsStatic ? MakePlan(ctx, x.StaticShape(), ctx.ConstInput) : null;
        ctx.SetOutput(0, x.DataType, plan is not null ? Shapes.ToDims(plan.OutShape) : x.Shape?.Select(_ => Dim.Unknown).ToArray());
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var plan = MakePlan(ctx, x.Shape, ctx.OptionalInput) ?? throw ctx.Error("scales is required");
        ctx.SetOutput(0, Resize.Run(ctx, x, plan));
    }

    public override bool Lower(LowerContext ctx)
    {
        var plan = MakePlan(ctx, ctx.InputShape(0), ctx.ConstInput);
        if (plan is null)
        {
            ctx.Unsupported("Upsample needs constant scales to compile");
            return false;
        }
        return Resize.LowerPlan(ctx, plan);
    }
}
