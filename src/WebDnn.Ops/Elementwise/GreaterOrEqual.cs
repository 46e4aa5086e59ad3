using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX GreaterOrEqual: y = (a &gt;= b), a bool tensor, with numpy broadcasting; comparisons with NaN are false (opset 12+).</summary>
public sealed class GreaterOrEqual : BinaryOpDef
{
    public override string OpType => "GreaterOrEqual";

    public override int SinceVersion => 12;

    protected override BinaryOp Op => BinaryOp.GreaterOrEqual;
}
