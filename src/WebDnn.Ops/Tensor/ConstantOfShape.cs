using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX ConstantOfShape (opset 9): a tensor of the shape given by the int64 input, every element equal to the single
/// element of attribute <c>value</c> (default float32 0), with that attribute's element type. No lowering (folded).
/// </summary>
public sealed class ConstantOfShape : OpDef
{
    public override string OpType => "ConstantOfShape";

    public override int SinceVersion => 9;

    private static Tensor Fill(NodeContext ctx)
    {
        var v = ctx.TensorAttr("value") ?? Tensor.Scalar(0f);
        if (v.Length != 1)
        {
            throw ctx.Error($"value must hold one element, not {v.Length}");
        }
        return v;
    }

    public override void InferTypes(InferContext ctx)
    {
        var v = Fill(ctx);
        if (ctx.ConstInput(0) is { } s)
        {
            ctx.SetOutput(0, v.DataType, Shapes.ToDims(TensorOpHelpers.CheckedShape(ctx, s.ToLongs())));
            return;
        }
        var st = ctx.InputType(0);
        ctx.SetOutput(0, v.DataType, st.Shape is [{ IsKnown: true } n] ? Enumerable.Repeat(Dim.Unknown, (int)n.Value).ToArray() : null);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var v = Fill(ctx);
        var shape = TensorOpHelpers.CheckedShape(ctx, ctx.Input(0).ToLongs());
        ctx.SetOutput(0, TensorOpHelpers.Take(v, shape, new int[Tensor.ElementCount(shape)]));
    }
}
