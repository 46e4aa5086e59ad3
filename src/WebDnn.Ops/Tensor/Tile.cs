using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Tile (opset 6+): out.shape[i] = in.shape[i] · repeats[i] (repeats: int64 input 1, one per axis, ≥ 0) and
/// out[idx] = in[idx mod in.shape]. Lowers to one <see cref="CopyKernel"/> in <see cref="PadMode.Wrap"/> mode.
/// </summary>
public sealed class Tile : OpDef
{
    public override string OpType => "Tile";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    private static void Check(NodeContext ctx, long[] repeats, int rank)
    {
        if (repeats.Length != rank || repeats.Any(r => r < 0))
        {
            throw ctx.Error($"repeats [{string.Join(",", repeats)}] must have one non-negative entry per input axis ({rank})");
        }
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var reps = ctx.ConstInput(1)?.ToLongs();
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, reps is null ? null : Enumerable.Repeat(Dim.Unknown, reps.Length).ToArray());
            return;
        }
        if (reps is null)
        {
            ctx.SetOutput(0, x.DataType, Enumerable.Repeat(Dim.Unknown, x.Rank).ToArray());
            return;
        }
        Check(ctx, reps, x.Rank);
        ctx.SetOutput(0, x.DataType, x.Shape.Select((d, i) => reps[i] == 1 ? d : d.IsKnown ? Dim.Of(d.Value * reps[i]) : reps[i] == 0 ? Dim.Of(0) : Dim.Unknown).ToArray());
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var reps = ctx.Input(1).ToLongs();
        Check(ctx, reps, x.Rank);
        var outShape = TensorOpHelpers.CheckedShape(ctx, x.Shape.Select((d, i) => d * reps[i]));
        var strides = Tensor.Strides(x.Shape);
        var index = new int[Tensor.ElementCount(outShape)];
        TensorOpHelpers.ForEachIndex(outShape, (o, idx) =>
        {
            int off = 0;
            for (int d = 0; d < idx.Length; d++)
            {
                off += idx[d] % x.Shape[d] * strides[d];
            }
            index[o] = off;
        });
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
        int r = inShape.Length;
        ctx.Emit(TensorOpHelpers.Copy(outShape, inShape, TensorOpHelpers.Iota(r), TensorOpHelpers.Fill(r, 1), new int[r], PadMode.Wrap)
            with
        { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
