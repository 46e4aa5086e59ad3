using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX LeakyRelu: y = x &lt; 0 ? alpha * x : x (alpha defaults to 0.01); NaN stays NaN.</summary>
public sealed class LeakyRelu : ActivationOp
{
    public override string OpType => "LeakyRelu";

    public override int SinceVersion => 7;

    protected override Expr Formula(NodeContext ctx, Expr x) =>
        Expr.Select(Less(x, C(0, x)), Mul(x, C(ctx.Float("alpha", 0.01f), x)), x);
}
