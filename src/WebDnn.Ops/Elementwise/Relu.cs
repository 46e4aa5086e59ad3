using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Relu: y = max(x, 0); NaN stays NaN.</summary>
public sealed class Relu : UnaryOpDef
{
    public override string OpType => "Relu";

    protected override UnaryOp Op => UnaryOp.Relu;
}
