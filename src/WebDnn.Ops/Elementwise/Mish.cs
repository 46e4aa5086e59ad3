using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Mish (opset 18+): y = x * tanh(softplus(x)) = x * tanh(ln(1 + e^x)); NaN stays NaN.</summary>
public sealed class Mish : ActivationOp
{
    public override string OpType => "Mish";

    public override int SinceVersion => 18;

    protected override Expr Formula(NodeContext ctx, Expr x) => Mul(x, Un(UnaryOp.Tanh, Un(UnaryOp.Softplus, x)));
}
