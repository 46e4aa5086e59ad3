using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// Base for the variadic ops (Max, Min, Sum, Mean): 1…N inputs of one element type with multidirectional
/// broadcasting, folded left to right into one nested <see cref="Expr"/> (e.g. Max(Max(in0, in1), in2)).
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
        var acc = Expr.In(0, types[0]);
        for (int i = 1; i < types.Length; i++)
        {
            acc = Expr.Bin(Op, acc, Expr.In(i, types[i]));
        }
        return Finish(acc, types.Length);
    }

    /// <summary>A final step after folding (Mean divides by the input count).</summary>
    protected virtual Expr Finish(Expr folded, int count) => folded;
}
