using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX BitwiseXor: y = a ^ b on the integers' bits, with numpy broadcasting (opset 18+).</summary>
public sealed class BitwiseXor : BinaryOpDef
{
    public override string OpType => "BitwiseXor";

    public override int SinceVersion => 18;

    protected override BinaryOp Op => BinaryOp.BitXor;
}
