using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>ONNX GlobalMaxPool: y[n, c, 1, …] = max of x[n, c, …] over all spatial positions (NaN ignored unless all NaN).</summary>
public sealed class GlobalMaxPool : PoolOp
{
    public override string OpType => "GlobalMaxPool";

    protected override PoolKind Kind => PoolKind.Max;

    protected override bool Global => true;
}
