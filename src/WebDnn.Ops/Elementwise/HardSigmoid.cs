using WebDnn.Core.Kernels;
using static WebDnn.Ops.Elementwise.ExprHelpers;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX HardSigmoid: y = max(0, min(1, alpha * x + beta)), alpha defaulting to 0.2 and beta to 0.5; NaN stays NaN.</summary>
public sealed class HardSigmoid : ActivationOp
{
    public override string OpType => "HardSigmoid";

    public override int SinceVersion => 7;

    protected override Expr Formula(NodeContext ctx, Expr x) =>
        Clip(Add(Mul(C(ctx.Float("alpha", 0.2f), x), x), C(ctx.Float("beta", 0.5f), x)), C(0, x), C(1, x));
}
