using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>ONNX Log: y = ln(x); ln(0) = -inf, ln(x &lt; 0) = NaN.</summary>
public sealed class Log : UnaryOpDef
{
    public override string OpType => "Log";

    public override int SinceVersion => 7;

    protected override UnaryOp Op => UnaryOp.Log;
}
