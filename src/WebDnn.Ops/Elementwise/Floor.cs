using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Floor: y = floor(x); integers, ±inf and NaN are returned unchanged.</summary>
public sealed class Floor : UnaryOpDef
{
    public override string OpType => "Floor";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Floor;
}
