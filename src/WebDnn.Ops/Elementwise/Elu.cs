using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Elu: y = x &lt; 0 ? alpha * (e^x - 1) : x (alpha defaults to 1); NaN stays NaN.</summary>
public sealed class Elu : ActivationOp
{
    public override string OpType => "Elu";

    public override int SinceVersion => 7;

    protected override Expr Formula(NodeContext ctx, Expr x) =>
        Expr.Select(Less(x, C(0, x)), Mul(C(ctx.Float("alpha", 1f), x), Sub(Un(UnaryOp.Exp, x), C(1, x))), x);
}
