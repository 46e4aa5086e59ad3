using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX LessOrEqual: y = (a &lt;= b), a bool tensor, with numpy broadcasting; comparisons with NaN are false (opset 12+).</summary>
public sealed class LessOrEqual : BinaryOpDef
{
    public override string OpType => "LessOrEqual";

    public override int SinceVersion => 12;

    protected override BinaryOp Op => BinaryOp.LessOrEqual;
}
