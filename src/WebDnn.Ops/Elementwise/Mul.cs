using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Mul: y = a * b with numpy broadcasting; integers wrap around on overflow.</summary>
public sealed class Mul : BinaryOpDef
{
    public override string OpType => "Mul";

    public override int SinceVersion => 7;

    protected override BinaryOp Op => BinaryOp.Mul;
}
