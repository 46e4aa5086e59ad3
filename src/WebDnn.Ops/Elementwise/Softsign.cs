using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Softsign: y = x / (1 + |x|); NaN stays NaN (±inf gives NaN, inf/inf).</summary>
public sealed class Softsign : UnaryOpDef
{
    public override string OpType => "Softsign";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Softsign;
}
