using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>ONNX Size: the input's element count as an int64 scalar. Folded when the shape is static; no lowering.</summary>
public sealed class Size : OpDef
{
    public override string OpType => "Size";

    public override int SinceVersion => 7;

    public override void InferTypes(InferContext ctx) => ctx.SetOutput(0, DataType.Int64, []);

    public override void Evaluate(EvalContext ctx) => ctx.SetOutput(0, Tensor.ScalarLong(ctx.Input(0).Length));
}
