using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Transpose: out[i0,…,i(r−1)] with out.shape[k] = in.shape[perm[k]] and out[idx] = in[j] where j[perm[k]] = idx[k].
/// <c>perm</c> defaults to the reversed axes. Lowers to one <see cref="CopyKernel"/> (InAxis = perm).
/// </summary>
public sealed class Transpose : OpDef
{
    public override string OpType => "Transpose";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    private static int[] Perm(NodeContext ctx, int rank)
    {
        var p = ctx.Ints("perm");
        if (p is null)
        {
            return Enumerable.Range(0, rank).Reverse().ToArray();
        }
        if (p.Length != rank)
        {
            throw ctx.Error($"perm [{string.Join(",", p)}] does not match rank {rank}");
        }
        var perm = p.Select(a => ctx.Axis(a, rank)).ToArray();
        if (perm.Distinct().Count() != rank)
        {
            throw ctx.Error($"perm [{string.Join(",", p)}] is not a permutation");
        }
        return perm;
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, ctx.Ints("perm") is { } p ? Enumerable.Repeat(Dim.Unknown, p.Length).ToArray() : null);
            return;
        }
        var perm = Perm(ctx, x.Rank);
        ctx.SetOutput(0, x.DataType, perm.Select(a => x.Shape[a]).ToArray());
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var perm = Perm(ctx, x.Rank);
        var outShape = perm.Select(a => x.Shape[a]).ToArray();
        var inStrides = Tensor.Strides(x.Shape);
        var permStrides = perm.Select(a => inStrides[a]).ToArray();
        var index = new int[x.Length];
        TensorOpHelpers.ForEachIndex(outShape, (o, idx) => index[o] = TensorOpHelpers.Offset(idx, permStrides));
        ctx.SetOutput(0, TensorOpHelpers.Take(x, outShape, index));
    }

    public override bool Lower(LowerContext ctx)
    {
        var inShape = ctx.InputShape(0);
        var perm = Perm(ctx, inShape.Length);
        var outShape = ctx.OutputShape(0);
        if (Tensor.ElementCount(outShape) == 0)
        {
            return true;
        }
        ctx.Emit(TensorOpHelpers.Copy(outShape, inShape, perm, TensorOpHelpers.Fill(perm.Length, 1), new int[inShape.Length])
            with
        { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
