using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Ceil: y = ceil(x); integers, ±inf and NaN are returned unchanged.</summary>
public sealed class Ceil : UnaryOpDef
{
    public override string OpType => "Ceil";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Ceil;
}
