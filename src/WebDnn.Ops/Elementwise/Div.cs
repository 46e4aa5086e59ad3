using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Div: y = a / b with numpy broadcasting. Floats follow IEEE (x/0 = ±inf, 0/0 = NaN); integers truncate toward zero (numpy's C semantics, as ONNX Runtime) and x/0 gives 0 instead of trapping.</summary>
public sealed class Div : BinaryOpDef
{
    public override string OpType => "Div";

    public override int SinceVersion => 7;

    protected override BinaryOp Op => BinaryOp.Div;
}
