using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX MaxPool (opset 1, 8, 10, 11, 12, 22): y = max over the window of the in-bounds x (NaN ignored unless all are
/// NaN; padding never wins). Opset 8 adds the optional Indices output (flat index into X, row-major, or column-major
/// over the spatial dims with storage_order=1; reference only), opset 10 ceil_mode and dilations, opset 12 int8/uint8.
/// </summary>
public sealed class MaxPool : PoolOp
{
    public override string OpType => "MaxPool";

    protected override PoolKind Kind => PoolKind.Max;
}
