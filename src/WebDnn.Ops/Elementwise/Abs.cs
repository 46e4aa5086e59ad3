using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Abs: y = |x|; NaN stays NaN; for signed integers |MIN| wraps to MIN.</summary>
public sealed class Abs : UnaryOpDef
{
    public override string OpType => "Abs";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Abs;
}
