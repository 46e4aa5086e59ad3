using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX BitwiseOr: y = a | b on the integers' bits, with numpy broadcasting (opset 18+).</summary>
public sealed class BitwiseOr : BinaryOpDef
{
    public override string OpType => "BitwiseOr";

    public override int SinceVersion => 18;

    protected override BinaryOp Op => BinaryOp.BitOr;
}
