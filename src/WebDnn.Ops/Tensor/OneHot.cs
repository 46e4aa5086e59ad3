using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX OneHot (opset 9): inputs indices, depth (one element, any numeric type, truncated to an integer) and values
/// [off, on]. The output has the indices' shape with a new axis of size depth inserted at <c>axis</c> (default −1,
/// counted in the output rank) and out[…, j, …] = on if indices[…] (plus depth when negative, opset 11) == j else off.
/// Indices outside [−depth, depth) give an all-off row. Output type: that of values. No lowering.
/// </summary>
public sealed class OneHot : OpDef
{
    public override string OpType => "OneHot";

    public override int SinceVersion => 9;

    private static long Depth(NodeContext ctx, Tensor t)
    {
        if (t.Length != 1)
        {
            throw ctx.Error("depth must hold one value");
        }
        long d = (long)t.GetDouble(0);
        return d > 0 ? d : throw ctx.Error($"depth {d} must be positive");
    }

    public override void InferTypes(InferContext ctx)
    {
        var idx = ctx.InputType(0);
        var values = ctx.InputType(2);
        if (idx.Shape is null)
        {
            ctx.SetOutput(0, values.DataType, null);
            return;
        }
        int axis = ctx.Axis(ctx.Int("axis", -1), idx.Rank + 1);
        Dim depth = ctx.ConstInput(1) is { } d ? Dim.Of(Depth(ctx, d)) : Dim.Unknown;
        var shape = idx.Shape.ToList();
        shape.Insert(axis, depth);
        ctx.SetOutput(0, values.DataType, [.. shape]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var indices = ctx.Input(0);
        long depth = Depth(ctx, ctx.Input(1));
        var values = ctx.Input(2);
        if (values.Length != 2)
        {
            throw ctx.Error("values must hold [off, on]");
        }
        int axis = ctx.Axis(ctx.Int("axis", -1), indices.Rank + 1);
        var shape = indices.Shape.ToList();
        shape.Insert(axis, (int)depth);
        var outShape = TensorOpHelpers.CheckedShape(ctx, shape.Select(d => (long)d));
        int outer = indices.Shape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = indices.Shape[axis..].Aggregate(1, (a, d) => a * d);
        var index = new int[Tensor.ElementCount(outShape)];
        for (int o = 0; o < outer; o++)
        {
            for (int j = 0; j < depth; j++)
            {
                for (int i = 0; i < inner; i++)
                {
                    long v = (long)indices.GetDouble(o * inner + i);
                    if (v < 0)
                    {
                        v += depth;
                    }
                    index[(o * (int)depth + j) * inner + i] = v == j ? 1 : 0;
                }
            }
        }
        ctx.SetOutput(0, TensorOpHelpers.Take(values, outShape, index));
    }
}
