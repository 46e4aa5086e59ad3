using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Tan: y = tan(x) (radians); tan(±inf) = NaN.</summary>
public sealed class Tan : UnaryOpDef
{
    public override string OpType => "Tan";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Tan;
}
