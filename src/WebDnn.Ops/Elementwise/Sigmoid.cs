using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Sigmoid: y = 1 / (1 + e^(-x)), evaluated without overflow for large |x|; NaN stays NaN.</summary>
public sealed class Sigmoid : UnaryOpDef
{
    public override string OpType => "Sigmoid";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Sigmoid;
}
