using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Acosh: y = acosh(x) = ln(x + √(x² - 1)); NaN for x &lt; 1 (opset 9+).</summary>
public sealed class Acosh : UnaryOpDef
{
    public override string OpType => "Acosh";

    public override int SinceVersion => 9;

    protected override UnaryOp Op => UnaryOp.Acosh;
}
