using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Atanh: y = atanh(x) = ½ ln((1 + x) / (1 - x)); ±inf at ±1, NaN outside [-1, 1] (opset 9+).</summary>
public sealed class Atanh : UnaryOpDef
{
    public override string OpType => "Atanh";

    public override int SinceVersion => 9;

    protected override UnaryOp Op => UnaryOp.Atanh;
}
