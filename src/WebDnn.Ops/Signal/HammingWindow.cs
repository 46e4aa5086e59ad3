namespace WebDnn.Ops.Signal;

/// <summary>
/// ONNX HammingWindow (opset 17): a 1-d window of the scalar length <c>size</c>, w[k] = α - (1-α)·cos(2πk/N) with α = 25/46, where N = size when
/// periodic (default 1) and size - 1 otherwise. Element type from output_datatype (default f32).
/// </summary>
public sealed class HammingWindow : OpDef
{
    public override string OpType => "HammingWindow";

    public override int SinceVersion => 17;

    public override void InferTypes(InferContext ctx) => WindowCommon.Infer(ctx);

    public override void Evaluate(EvalContext ctx) => WindowCommon.Evaluate(ctx, (k, n) => 25.0 / 46 - 21.0 / 46 * Math.Cos(2 * Math.PI * k / n));
}
