using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Reduce;

/// <summary>ONNX ReduceProd (opset 1, 11, 13, 18): y = Π x over the reduced axes; axes, keepdims and empty reductions as in <see cref="ReduceOp"/>.</summary>
public sealed class ReduceProd : ReduceOp
{
    public override string OpType => "ReduceProd";

    protected override ReduceKind Kind => ReduceKind.Prod;
}
