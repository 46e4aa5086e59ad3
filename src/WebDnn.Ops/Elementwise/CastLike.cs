using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX CastLike (opset 15+): Cast of input 0 to the element type of input 1 (whose values and shape are ignored);
/// same conversion rules as <see cref="Cast"/>.
/// </summary>
public sealed class CastLike : ElementwiseOp
{
    public override string OpType => "CastLike";

    public override int SinceVersion => 15;

    public override FusionKind Fusion => FusionKind.ElementWise;

    protected override bool IsFoldedInput(NodeContext ctx, int index) => index == 1;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        var target = constInput(1)?.DataType ?? ctx.Node.Input(1)?.Type?.DataType
            ?? throw ctx.Error("the type of input 1 (target_type) is unknown");
        return Expr.Cast(Expr.In(0, types[0]), Cast.TargetType(ctx, (long)target));
    }
}
