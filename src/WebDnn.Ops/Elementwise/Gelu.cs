using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// ONNX Gelu (opset 20+). approximate="none": y = x / 2 * (1 + erf(x / √2)); approximate="tanh":
/// y = x / 2 * (1 + tanh(√(2/π) * (x + 0.044715 x³))). NaN stays NaN.
/// </summary>
public sealed class Gelu : ActivationOp
{
    public override string OpType => "Gelu";

    public override int SinceVersion => 20;

    protected override Expr Formula(NodeContext ctx, Expr x)
    {
        var half = Mul(C(0.5, x), x);
        switch (ctx.Str("approximate", "none"))
        {
            case "none":
                return Mul(half, Add(C(1, x), Un(UnaryOp.Erf, Mul(x, C(1 / Math.Sqrt(2), x)))));
            case "tanh":
                var inner = Mul(C(Math.Sqrt(2 / Math.PI), x), Add(x, Mul(C(0.044715, x), Mul(x, Mul(x, x)))));
                return Mul(half, Add(C(1, x), Un(UnaryOp.Tanh, inner)));
            default:
                throw ctx.Error($"approximate must be 'none' or 'tanh', got '{ctx.Str("approximate", "")}'");
        }
    }
}
