using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX ArgMax: int64 indices of the largest element along <c>axis</c> (default 0, negative from opset 11); the
/// reduced axis is kept with size 1 when <c>keepdims</c> = 1 (default). Ties pick the first index, or the last when
/// <c>select_last_index</c> = 1 (opset 12). NaN counts as larger than any number (numpy: the first NaN wins).
/// Lowers to a <see cref="ReduceKernel"/> of kind <see cref="ReduceKind.ArgMax"/>.
/// </summary>
public sealed class ArgMax : OpDef
{
    public override string OpType => "ArgMax";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Reduce;

    public override void InferTypes(InferContext ctx) => ArgReduce.Infer(ctx);

    public override void Evaluate(EvalContext ctx) => ArgReduce.Evaluate(ctx, largest: true);

    public override bool Lower(LowerContext ctx) => ArgReduce.Lower(ctx, ReduceKind.ArgMax);
}

/// <summary>The shared inference, evaluation and lowering of ArgMax and ArgMin.</summary>
internal static class ArgReduce
{
    private static bool SelectLast(NodeContext ctx) => ctx.Opset >= 12 && ctx.Int("select_last_index", 0) != 0;

    public static void Infer(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, DataType.Int64, null);
            return;
        }
        int axis = ctx.Axis(ctx.Int("axis", 0), x.Rank);
        bool keep = ctx.Int("keepdims", 1) != 0;
        ctx.SetOutput(0, DataType.Int64, keep ? x.Shape.Select((d, i) => i == axis ? Dim.Of(1) : d).ToArray() : x.Shape.Where((_, i) => i != axis).ToArray());
    }

    public static void Evaluate(EvalContext ctx, bool largest)
    {
        var x = ctx.Input(0);
        int axis = ctx.Axis(ctx.Int("axis", 0), x.Rank);
        bool keep = ctx.Int("keepdims", 1) != 0;
        bool last = SelectLast(ctx);
        int outer = x.Shape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = x.Shape[(axis + 1)..].Aggregate(1, (a, d) => a * d);
        int n = x.Shape[axis];
        if (n == 0)
        {
            throw ctx.Error($"cannot reduce the empty axis {axis}");
        }
        var shape = keep ? x.Shape.Select((d, i) => i == axis ? 1 : d).ToArray() : x.Shape.Where((_, i) => i != axis).ToArray();
        var r = new long[outer * inner];
        bool exactInt = x.DataType is DataType.Int64 or DataType.UInt64;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int best = 0;
                int baseIdx = o * n * inner + i;
                for (int k = 1; k < n; k++)
                {
                    int cmp = Compare(x, baseIdx + k * inner, baseIdx + best * inner, exactInt);
                    if (!largest)
                    {
                        cmp = cmp is 2 or -2 ? cmp : -cmp;
                    }
                    // cmp: 1 better, 0 tie, -1 worse; ±2 for NaN involvement (NaN is always "better", first NaN wins).
                    if (cmp == 1 || cmp == 2 || cmp == 0 && last)
                    {
                        best = k;
                    }
                }
                r[o * inner + i] = best;
            }
        }
        ctx.SetOutput(0, Tensor.FromLongs(shape, r));
    }

    /// <summary>1 when a &gt; b, −1 when a &lt; b, 0 when equal; 2 when only a is NaN, −2 when b is NaN.</summary>
    private static int Compare(Tensor x, int a, int b, bool exactInt)
    {
        if (exactInt)
        {
            if (x.DataType == DataType.UInt64)
            {
                return ((ulong)x.GetLong(a)).CompareTo((ulong)x.GetLong(b));
            }
            return x.GetLong(a).CompareTo(x.GetLong(b));
        }
        double va = x.GetDouble(a), vb = x.GetDouble(b);
        if (double.IsNaN(vb))
        {
            return -2;
        }
        if (double.IsNaN(va))
        {
            return 2;
        }
        return va.CompareTo(vb);
    }

    public static bool Lower(LowerContext ctx, ReduceKind kind)
    {
        int axis = ctx.Axis(ctx.Int("axis", 0), ctx.InputShape(0).Length);
        ctx.Emit(new ReduceKernel(kind, [axis], SelectLast(ctx)) { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
