using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Round: y = x rounded to the nearest integer, halves to even (numpy.round): 2.5 → 2, -1.5 → -2; ±inf and NaN unchanged (opset 11+).</summary>
public sealed class Round : UnaryOpDef
{
    public override string OpType => "Round";

    public override int SinceVersion => 11;

    protected override UnaryOp Op => UnaryOp.Round;
}
