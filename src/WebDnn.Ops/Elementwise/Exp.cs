using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Exp: y = e^x; exp(+inf) = +inf, exp(-inf) = 0, NaN stays NaN.</summary>
public sealed class Exp : UnaryOpDef
{
    public override string OpType => "Exp";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Exp;
}
