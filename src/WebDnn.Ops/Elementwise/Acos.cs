using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Acos: y = arccos(x) in [0, π]; NaN outside [-1, 1].</summary>
public sealed class Acos : UnaryOpDef
{
    public override string OpType => "Acos";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Acos;
}
