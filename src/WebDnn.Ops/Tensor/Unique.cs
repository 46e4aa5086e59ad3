using System.Globalization;
using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Unique (opset 11): the distinct elements of the flattened input (no <c>axis</c>) or the distinct slices along
/// <c>axis</c>. Outputs: Y (the uniques; ascending, lexicographic for slices, when <c>sorted</c> = 1 (default), else in
/// order of first occurrence), indices (int64: first occurrence of each unique in the input), inverse_indices (int64:
/// for each input element/slice, its position in Y) and counts (int64). Data-dependent size: no lowering.
/// </summary>
public sealed class Unique : OpDef
{
    public override string OpType => "Unique";

    public override int SinceVersion => 11;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        Dim[]? y = !ctx.HasAttr("axis") ? [Dim.Unknown]
            : x.Shape is null ? null
            : x.Shape.Select((d, i) => i == ctx.Axis(ctx.Int("axis"), x.Rank) ? Dim.Unknown : d).ToArray();
        ctx.SetOutput(0, x.DataType, y);
        ctx.SetOutput(1, DataType.Int64, [Dim.Unknown]);
        var n = !ctx.HasAttr("axis") ? (x.Shape is null ? Dim.Unknown : TensorOpHelpers.Product(x.Shape))
            : x.Shape is null ? Dim.Unknown : x.Shape[ctx.Axis(ctx.Int("axis"), x.Rank)];
        ctx.SetOutput(2, DataType.Int64, [n]);
        ctx.SetOutput(3, DataType.Int64, [Dim.Unknown]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        if (x.DataType == DataType.String)
        {
            throw new UnsupportedModelException($"{ctx.Node.Describe()}: string tensors are not supported");
        }
        bool hasAxis = ctx.HasAttr("axis");
        var shape = hasAxis ? x.Shape : [x.Length];
        int axis = hasAxis ? ctx.Axis(ctx.Int("axis"), x.Rank) : 0;
        int outer = shape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = shape[(axis + 1)..].Aggregate(1, (a, d) => a * d);
        int n = shape[axis];
        bool isFloat = x.DataType.IsFloat();
        // Slice s of the input: elements (o * n + s) * inner + i for all o, i.
        double[] Values(int s)
        {
            var v = new double[outer * inner];
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    v[o * inner + i] = isFloat ? x.GetDouble((o * n + s) * inner + i) : x.GetLong((o * n + s) * inner + i);
                }
            }
            return v;
        }
        var slices = Enumerable.Range(0, n).Select(Values).ToArray();
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<int>();
        var keyOf = new string[n];
        for (int s = 0; s < n; s++)
        {
            keyOf[s] = string.Join(",", slices[s].Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
            if (first.TryAdd(keyOf[s], s))
            {
                order.Add(s);
            }
        }
        if (ctx.Int("sorted", 1) != 0)
        {
            order.Sort((a, b) =>
            {
                for (int k = 0; k < slices[a].Length; k++)
                {
                    int c = slices[a][k].CompareTo(slices[b][k]);
                    if (c != 0)
                    {
                        return c;
                    }
                }
                return 0;
            });
        }
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int u = 0; u < order.Count; u++)
        {
            position[keyOf[order[u]]] = u;
        }
        var counts = new long[order.Count];
        var inverse = new long[n];
        for (int s = 0; s < n; s++)
        {
            inverse[s] = position[keyOf[s]];
            counts[inverse[s]]++;
        }
        var outShape = shape.Select((d, i) => i == axis ? order.Count : d).ToArray();
        var index = new int[Tensor.ElementCount(outShape)];
        int at = 0;
        for (int o = 0; o < outer; o++)
        {
            foreach (var s in order)
            {
                for (int i = 0; i < inner; i++)
                {
                    index[at++] = (o * n + s) * inner + i;
                }
            }
        }
        ctx.SetOutput(0, TensorOpHelpers.Take(x.Reshape(shape), outShape, index));
        ctx.SetOutput(1, Tensor.FromLongs([order.Count], order.Select(s => (long)s).ToArray()));
        ctx.SetOutput(2, Tensor.FromLongs([n], inverse));
        ctx.SetOutput(3, Tensor.FromLongs([order.Count], counts));
    }
}
