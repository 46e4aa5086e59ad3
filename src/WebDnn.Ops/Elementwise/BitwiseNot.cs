using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX BitwiseNot: y = ~x on the integer's two's-complement bits (uint8 5 → 250) (opset 18+).</summary>
public sealed class BitwiseNot : UnaryOpDef
{
    public override string OpType => "BitwiseNot";

    public override int SinceVersion => 18;

    protected override UnaryOp Op => UnaryOp.BitNot;
}
