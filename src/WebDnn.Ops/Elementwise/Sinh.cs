using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Sinh: y = sinh(x) = (e^x - e^(-x)) / 2 (opset 9+).</summary>
public sealed class Sinh : UnaryOpDef
{
    public override string OpType => "Sinh";

    public override int SinceVersion => 9;

    protected override UnaryOp Op => UnaryOp.Sinh;
}
