using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Less: y = (a &lt; b), a bool tensor, with numpy broadcasting; comparisons with NaN are false.</summary>
public sealed class Less : BinaryOpDef
{
    public override string OpType => "Less";

    public override int SinceVersion => 7;

    protected override BinaryOp Op => BinaryOp.Less;
}
