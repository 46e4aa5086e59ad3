using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Greater: y = (a &gt; b), a bool tensor, with numpy broadcasting; comparisons with NaN are false.</summary>
public sealed class Greater : BinaryOpDef
{
    public override string OpType => "Greater";

    public override int SinceVersion => 7;

    protected override BinaryOp Op => BinaryOp.Greater;
}
