using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// Base for the variadic ops (Max, Min, Sum, Mean): 1…N inputs of one element type with multidirectional
/// broadcasting, folded left to right into one nested <see cref="Expr"/> (e.g. Max(Max(in0, in1), in2)); above 64 inputs, left folds of 64 are combined pairwise so the tree stays shallow.
/// </summary>
public abstract class VariadicOp : ElementwiseOp
{
    public override int SinceVersion => 7;

    /// <summary>The pairwise operation folded over the inputs.</summary>
    protected abstract BinaryOp Op { get; }

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        if (types.Length == 0)
        {
            throw ctx.Error("expects at least one input");
        }
        if (types.Any(t => t != types[0]))
        {
            throw ctx.Error($"inputs must share one element type, got {string.Join(", ", types.Select(t => t.ShortName()))}");
        }
        return Finish(Fold(types, 0, types.Length), types.Length);
    }

    /// <summary>Left folds of up to this many inputs (ONNX Runtime's summation order), combined pairwise above it.</summary>
    private const int ChunkSize = 64;

    /// <summary>
    /// Folds inputs [<paramref name="from"/>, <paramref name="to"/>): a left fold for small counts, halves combined
    /// otherwise, so the tree is at most ChunkSize + log2(n) deep (tree walks are recursive; a model picks n).
    /// </summary>
    private Expr Fold(DataType[] types, int from, int to)
    {
        if (to - from > ChunkSize)
        {
            int mid = from + (to - from + 1) / 2;
            return Expr.Bin(Op, Fold(types, from, mid), Fold(types, mid, to));
        }
        var acc = Expr.In(from, types[from]);
        for (int i = from + 1; i < to; i++)
        {
            acc = Expr.Bin(Op, acc, Expr.In(i, types[i]));
        }
        return acc;
    }

    /// <summary>A final step after folding (Mean divides by the input count).</summary>
    protected virtual Expr Finish(Expr folded, int count) => folded;
}
