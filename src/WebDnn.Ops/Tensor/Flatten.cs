using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Flatten: reshapes to 2-D [d0·…·d(axis−1), d(axis)·…·d(r−1)]; <c>axis</c> defaults to 1, may equal the rank,
/// and may be negative from opset 11. Lowers to an alias.
/// </summary>
public sealed class Flatten : OpDef
{
    public override string OpType => "Flatten";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    private static int Axis(NodeContext ctx, int rank)
    {
        long a = ctx.Int("axis", 1);
        if (a < -rank || a > rank)
        {
            throw ctx.Error($"axis {a} is out of range for rank {rank}");
        }
        return (int)(a < 0 ? a + rank : a);
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, [Dim.Unknown, Dim.Unknown]);
            return;
        }
        int axis = Axis(ctx, x.Rank);
        ctx.SetOutput(0, x.DataType, [TensorOpHelpers.Product(x.Shape[..axis]), TensorOpHelpers.Product(x.Shape[axis..])]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        int axis = Axis(ctx, x.Rank);
        int outer = x.Shape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = x.Shape[axis..].Aggregate(1, (a, d) => a * d);
        ctx.SetOutput(0, x.Reshape([outer, inner]));
    }

    public override bool Lower(LowerContext ctx)
    {
        ctx.Alias(0, ctx.Input(0));
        return true;
    }
}
