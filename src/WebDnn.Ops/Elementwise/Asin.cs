using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Asin: y = arcsin(x) in [-π/2, π/2]; NaN outside [-1, 1].</summary>
public sealed class Asin : UnaryOpDef
{
    public override string OpType => "Asin";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Asin;
}
