using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Expand (opset 8): broadcasts the input numpy-style against the int64 shape input (input 1); the output shape
/// is the bidirectional broadcast of both, so a 1 in <c>shape</c> keeps the input's dimension.
/// Lowers to one <see cref="CopyKernel"/> whose broadcast axes have InAxis = −1.
/// </summary>
public sealed class Expand : OpDef
{
    public override string OpType => "Expand";

    public override int SinceVersion => 8;

    public override FusionKind Fusion => FusionKind.Broadcast;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var shape = ctx.ConstInput(1);
        if (shape is null)
        {
            var st = ctx.InputType(1);
            int? r = st.Shape is [{ IsKnown: true } n] ? (int)n.Value : null;
            ctx.SetOutput(0, x.DataType, r is { } rank && x.Shape is not null ? Enumerable.Repeat(Dim.Unknown, Math.Max(rank, x.Rank)).ToArray() : null);
            return;
        }
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        var target = shape.ToLongs();
        if (target.Any(d => d < 0))
        {
            throw ctx.Error($"shape [{string.Join(",", target)}] has a negative dimension");
        }
        ctx.SetOutput(0, x.DataType, Shapes.Broadcast(ctx, x.Shape, Shapes.ToDims(target)));
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var target = TensorOpHelpers.CheckedShape(ctx, ctx.Input(1).ToLongs());
        var outShape = Shapes.Broadcast(ctx, x.Shape, target);
        var index = new int[Tensor.ElementCount(outShape)];
        Shapes.ForEachBroadcast(outShape, [x.Shape], (o, offs) => index[o] = offs[0]);
        ctx.SetOutput(0, TensorOpHelpers.Take(x, outShape, index));
    }

    public override bool Lower(LowerContext ctx)
    {
        var inShape = ctx.InputShape(0);
        var outShape = ctx.OutputShape(0);
        if (Tensor.ElementCount(outShape) == 0)
        {
            return true;
        }
        int off = outShape.Length - inShape.Length;
        var inAxis = Enumerable.Range(0, outShape.Length).Select(k => k >= off && inShape[k - off] != 1 ? k - off : -1).ToArray();
        ctx.Emit(TensorOpHelpers.Copy(outShape, inShape, inAxis, TensorOpHelpers.Fill(outShape.Length, 1), new int[inShape.Length])
            with
        { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
