using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Softplus: y = ln(1 + e^x) (x itself for x &gt; 20, where the difference is below double precision); NaN stays NaN.</summary>
public sealed class Softplus : UnaryOpDef
{
    public override string OpType => "Softplus";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Softplus;
}
