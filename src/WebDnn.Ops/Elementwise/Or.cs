using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Or: Logical or of two bool tensors with numpy broadcasting.</summary>
public sealed class Or : BinaryOpDef
{
    public override string OpType => "Or";

    public override int SinceVersion => 7;

    protected override BinaryOp Op => BinaryOp.Or;
}
