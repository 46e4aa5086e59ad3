using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Sqrt: y = sqrt(x); sqrt(x &lt; 0) = NaN.</summary>
public sealed class Sqrt : UnaryOpDef
{
    public override string OpType => "Sqrt";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Sqrt;
}
