namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Scatter (opset 9–10, deprecated in 11 in favour of ScatterElements): identical to ScatterElements without
/// reduction: out = copy of data with out[idx with idx[axis] = indices[idx]] = updates[idx]. No lowering.
/// </summary>
public sealed class Scatter : OpDef
{
    public override string OpType => "Scatter";

    public override int SinceVersion => 9;

    public override void InferTypes(InferContext ctx) => ctx.SetOutput(0, ctx.InputType(0));

    public override void Evaluate(EvalContext ctx) => ctx.SetOutput(0, ScatterElements.Scatter(ctx, ctx.Int("axis", 0), "none"));
}
