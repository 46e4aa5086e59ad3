using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX Identity: y = x, any tensor element type (strings included). The reference evaluator returns the input
/// tensor itself and the lowering makes the output a view of the input (no kernel). Sequence and optional
/// inputs (opset 14/16+) are not supported.
/// </summary>
public sealed class Identity : ElementwiseOp
{
    public override string OpType => "Identity";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.ElementWise;

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput) => Expr.In(0, types[0]);

    public override void InferTypes(InferContext ctx) => ctx.SetOutput(0, ctx.InputType(0));

    public override void Evaluate(EvalContext ctx) => ctx.SetOutput(0, ctx.Input(0));

    public override bool Lower(LowerContext ctx)
    {
        ctx.Alias(0, ctx.Input(0));
        return true;
    }
}
