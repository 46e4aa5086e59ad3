using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Xor: Logical exclusive or of two bool tensors with numpy broadcasting.</summary>
public sealed class Xor : BinaryOpDef
{
    public override string OpType => "Xor";

    public override int SinceVersion => 7;

    protected override BinaryOp Op => BinaryOp.Xor;
}
