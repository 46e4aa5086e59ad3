using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Atan: y = arctan(x) in (-π/2, π/2); atan(±inf) = ±π/2.</summary>
public sealed class Atan : UnaryOpDef
{
    public override string OpType => "Atan";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Atan;
}
