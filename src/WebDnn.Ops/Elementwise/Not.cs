using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Not: Logical not of a bool tensor: y = !x.</summary>
public sealed class Not : UnaryOpDef
{
    public override string OpType => "Not";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Not;
}
