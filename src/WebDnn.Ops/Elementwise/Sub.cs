using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Sub: y = a - b with numpy broadcasting; integers wrap around on overflow.</summary>
public sealed class Sub : BinaryOpDef
{
    public override string OpType => "Sub";

    public override int SinceVersion => 7;

    protected override BinaryOp Op => BinaryOp.Sub;
}
