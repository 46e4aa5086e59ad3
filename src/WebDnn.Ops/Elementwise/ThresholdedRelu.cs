using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX ThresholdedRelu (opset 10+): y = x &gt; alpha ? x : 0, alpha defaulting to 1; NaN gives 0.</summary>
public sealed class ThresholdedRelu : ActivationOp
{
    public override string OpType => "ThresholdedRelu";

    public override int SinceVersion => 10;

    protected override Expr Formula(NodeContext ctx, Expr x) =>
        Expr.Select(Greater(x, C(ctx.Float("alpha", 1f), x)), x, C(0, x));
}
