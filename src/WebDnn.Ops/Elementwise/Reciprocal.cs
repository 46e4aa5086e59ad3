using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Reciprocal: y = 1 / x; 1/0 = +inf (1/-0 = -inf).</summary>
public sealed class Reciprocal : UnaryOpDef
{
    public override string OpType => "Reciprocal";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Reciprocal;
}
