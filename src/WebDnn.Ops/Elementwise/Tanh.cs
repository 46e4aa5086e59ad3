using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Tanh: y = tanh(x); tanh(±inf) = ±1, NaN stays NaN.</summary>
public sealed class Tanh : UnaryOpDef
{
    public override string OpType => "Tanh";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Tanh;
}
