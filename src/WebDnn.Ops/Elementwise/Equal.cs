using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Equal: y = (a == b), a bool tensor, with numpy broadcasting; NaN == NaN is false. String inputs are not supported.</summary>
public sealed class Equal : BinaryOpDef
{
    public override string OpType => "Equal";

    public override int SinceVersion => 7;

    protected override BinaryOp Op => BinaryOp.Equal;
}
