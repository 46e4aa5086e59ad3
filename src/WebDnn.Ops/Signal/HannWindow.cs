namespace WebDnn.Ops.Signal;

/// <summary>
/// ONNX HannWindow (opset 17): a 1-d window of the scalar length <c>size</c>, w[k] = 0.5 - 0.5·cos(2πk/N), where N = size when
/// periodic (default 1) and size - 1 otherwise. Element type from output_datatype (default f32).
/// </summary>
public sealed class HannWindow : OpDef
{
    public override string OpType => "HannWindow";

    public override int SinceVersion => 17;

    public override void InferTypes(InferContext ctx) => WindowCommon.Infer(ctx);

    public override void Evaluate(EvalContext ctx) => WindowCommon.Evaluate(ctx, (k, n) => 0.5 - 0.5 * Math.Cos(2 * Math.PI * k / n));
}
