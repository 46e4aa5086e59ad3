using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX And: Logical and of two bool tensors with numpy broadcasting.</summary>
public sealed class And : BinaryOpDef
{
    public override string OpType => "And";

    public override int SinceVersion => 7;

    protected override BinaryOp Op => BinaryOp.And;
}
