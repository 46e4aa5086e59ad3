using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX ArgMin: int64 indices of the smallest element along <c>axis</c> (default 0, negative from opset 11); same
/// keepdims / select_last_index rules as <see cref="ArgMax"/>; NaN wins (numpy: the first NaN).
/// Lowers to a <see cref="ReduceKernel"/> of kind <see cref="ReduceKind.ArgMin"/>.
/// </summary>
public sealed class ArgMin : OpDef
{
    public override string OpType => "ArgMin";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Reduce;

    public override void InferTypes(InferContext ctx) => ArgReduce.Infer(ctx);

    public override void Evaluate(EvalContext ctx) => ArgReduce.Evaluate(ctx, largest: false);

    public override bool Lower(LowerContext ctx) => ArgReduce.Lower(ctx, ReduceKind.ArgMin);
}
