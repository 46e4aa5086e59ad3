using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX BitwiseAnd: y = a &amp; b on the integers' bits, with numpy broadcasting (opset 18+).</summary>
public sealed class BitwiseAnd : BinaryOpDef
{
    public override string OpType => "BitwiseAnd";

    public override int SinceVersion => 18;

    protected override BinaryOp Op => BinaryOp.BitAnd;
}
