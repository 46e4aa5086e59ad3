using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX Selu: y = gamma * (x &lt;= 0 ? alpha * e^x - alpha : x), alpha defaulting to 1.67326319217681884765625 and
/// gamma to 1.05070102214813232421875 (the float32 values of the SELU constants); NaN stays NaN.
/// </summary>
public sealed class Selu : ActivationOp
{
    public override string OpType => "Selu";

    public override int SinceVersion => 7;

    protected override Expr Formula(NodeContext ctx, Expr x)
    {
        var alpha = C(ctx.Float("alpha", 1.67326319217681884765625f), x);
        var gamma = C(ctx.Float("gamma", 1.05070102214813232421875f), x);
        return Mul(gamma, Expr.Select(Greater(x, C(0, x)), x, Sub(Mul(alpha, Un(UnaryOp.Exp, x)), alpha)));
    }
}
