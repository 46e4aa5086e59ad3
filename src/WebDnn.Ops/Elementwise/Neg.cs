using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Neg: y = -x; for signed integers -MIN wraps to MIN.</summary>
public sealed class Neg : UnaryOpDef
{
    public override string OpType => "Neg";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Neg;
}
