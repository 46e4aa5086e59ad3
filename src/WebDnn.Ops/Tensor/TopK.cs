using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX TopK: the k largest (or, with <c>largest</c> = 0 from opset 11, smallest) elements along <c>axis</c>
/// (default −1) and their int64 indices. k is attribute <c>k</c> before opset 10, else the 1-element int64 input 1.
/// Results are ordered (largest first / smallest first) also when <c>sorted</c> = 0, which the spec allows; equal
/// values keep the lower index first. NaN sorts as larger than every number. No lowering.
/// </summary>
public sealed class TopK : OpDef
{
    public override string OpType => "TopK";

    public override int SinceVersion => 7;

    private static long? K(NodeContext ctx, Func<int, Tensor?> input)
    {
        if (ctx.Opset < 10)
        {
            return ctx.Int("k");
        }
        var t = input(1);
        if (t is null)
        {
            return null;
        }
        if (t.Length != 1)
        {
            throw ctx.Error("K must hold one value");
        }
        long k = t.GetLong(0);
        return k >= 0 ? k : throw ctx.Error($"K = {k} is negative");
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            ctx.SetOutput(1, DataType.Int64, null);
            return;
        }
        int axis = ctx.Axis(ctx.Int("axis", -1), x.Rank);
        var k = K(ctx, ctx.ConstInput);
        if (k is { } kv && x.Shape[axis].IsKnown && kv > x.Shape[axis].Value)
        {
            throw ctx.Error($"k = {kv} exceeds the axis size {x.Shape[axis].Value}");
        }
        var shape = x.Shape.Select((d, i) => i == axis ? (k is { } v ? Dim.Of(v) : Dim.Unknown) : d).ToArray();
        ctx.SetOutput(0, x.DataType, shape);
        ctx.SetOutput(1, DataType.Int64, shape);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        int axis = ctx.Axis(ctx.Int("axis", -1), x.Rank);
        int k = (int)(K(ctx, ctx.OptionalInput) ?? throw ctx.Error("K is required"));
        int n = x.Shape[axis];
        if (k > n)
        {
            throw ctx.Error($"k = {k} exceeds the axis size {n}");
        }
        bool largest = ctx.Opset < 11 || ctx.Int("largest", 1) != 0;
        int outer = x.Shape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = x.Shape[(axis + 1)..].Aggregate(1, (a, d) => a * d);
        var shape = x.Shape.Select((d, i) => i == axis ? k : d).ToArray();
        var index = new int[Tensor.ElementCount(shape)];
        var positions = new long[index.Length];
        Comparison<int> cmp = x.DataType switch
        {
            DataType.UInt64 => (a, b) => ((ulong)x.GetLong(a)).CompareTo((ulong)x.GetLong(b)),
            DataType.Int64 => (a, b) => x.GetLong(a).CompareTo(x.GetLong(b)),
            _ => (a, b) => x.GetDouble(a).CompareTo(x.GetDouble(b)), // double.CompareTo puts NaN below everything
        };
        var order = new int[n];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseIdx = o * n * inner + i;
                for (int j = 0; j < n; j++)
                {
                    order[j] = j;
                }
                // Stable: ties keep the lower index first. NaN: larger than everything.
                var sorted = order.OrderBy(j => j, Comparer<int>.Create((a, b) =>
                {
                    int ia = baseIdx + a * inner, ib = baseIdx + b * inner;
                    bool na = IsNaN(x, ia), nb = IsNaN(x, ib);
                    int c = na || nb ? na.CompareTo(nb) : cmp(ia, ib);
                    return largest ? -c : c;
                })).Take(k).ToArray();
                for (int j = 0; j < k; j++)
                {
                    int at = (o * k + j) * inner + i;
                    index[at] = baseIdx + sorted[j] * inner;
                    positions[at] = sorted[j];
                }
            }
        }
        ctx.SetOutput(0, TensorOpHelpers.Take(x, shape, index));
        ctx.SetOutput(1, Tensor.FromLongs(shape, positions));
    }

    private static bool IsNaN(Tensor x, int i) => x.DataType.IsFloat() && double.IsNaN(x.GetDouble(i));
}
