using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Celu (opset 12+): y = max(0, x) + min(0, alpha * (e^(x / alpha) - 1)), alpha defaulting to 1; NaN stays NaN.</summary>
public sealed class Celu : ActivationOp
{
    public override string OpType => "Celu";

    public override int SinceVersion => 12;

    protected override Expr Formula(NodeContext ctx, Expr x)
    {
        float a = ctx.Float("alpha", 1f);
        if (a == 0)
        {
            throw ctx.Error("alpha must not be 0");
        }
        var alpha = C(a, x);
        return Add(Max(C(0, x), x), Min(C(0, x), Mul(alpha, Sub(Un(UnaryOp.Exp, Div(x, alpha)), C(1, x)))));
    }
}
