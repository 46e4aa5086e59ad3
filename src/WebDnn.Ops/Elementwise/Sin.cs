using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Sin: y = sin(x) (radians); sin(±inf) = NaN.</summary>
public sealed class Sin : UnaryOpDef
{
    public override string OpType => "Sin";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Sin;
}
