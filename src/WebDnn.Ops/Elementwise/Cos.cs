using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Cos: y = cos(x) (radians); cos(±inf) = NaN.</summary>
public sealed class Cos : UnaryOpDef
{
    public override string OpType => "Cos";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Cos;
}
