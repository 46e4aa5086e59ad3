using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>ONNX GlobalAveragePool: y[n, c, 1, …] = mean of x[n, c, …] over all spatial positions.</summary>
public sealed class GlobalAveragePool : PoolOp
{
    public override string OpType => "GlobalAveragePool";

    protected override PoolKind Kind => PoolKind.Average;

    protected override bool Global => true;
}
