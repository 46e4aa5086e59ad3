using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Asinh: y = asinh(x) = ln(x + √(x² + 1)) (opset 9+).</summary>
public sealed class Asinh : UnaryOpDef
{
    public override string OpType => "Asinh";

    public override int SinceVersion => 9;

    protected override UnaryOp Op => UnaryOp.Asinh;
}
