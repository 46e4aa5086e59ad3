using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX HardSwish (opset 14+): y = x * max(0, min(1, x / 6 + 0.5)); NaN stays NaN.</summary>
public sealed class HardSwish : ActivationOp
{
    public override string OpType => "HardSwish";

    public override int SinceVersion => 14;

    protected override Expr Formula(NodeContext ctx, Expr x) =>
        Mul(x, Clip(Add(Mul(C(1.0 / 6.0, x), x), C(0.5, x)), C(0, x), C(1, x)));
}
