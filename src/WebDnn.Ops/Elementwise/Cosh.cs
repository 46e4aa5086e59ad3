using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Cosh: y = cosh(x) = (e^x + e^(-x)) / 2 (opset 9+).</summary>
public sealed class Cosh : UnaryOpDef
{
    public override string OpType => "Cosh";

    public override int SinceVersion => 9;

    protected override UnaryOp Op => UnaryOp.Cosh;
}
