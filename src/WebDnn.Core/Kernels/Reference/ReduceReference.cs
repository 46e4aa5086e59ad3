namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// reduce over <see cref="ReduceKernel.Axes"/>: each output element (the input with those axes at 0) combines its group
/// in input order. An empty group gives the identity (Sum 0, Prod 1, Max -∞, Min +∞; Mean and the logs follow from
/// these); ArgMax/ArgMin give the first index along Axes[0] of the extreme (the last with SelectLastIndex), 0 when empty.
/// </summary>
public static class ReduceReference
{
    public static void Run(ReduceKernel k, Tensor input, Tensor output)
    {
        var xs = input.Shape;
        var kept = xs.Select((d, a) => k.Axes.Contains(a) ? 1 : d).ToArray();
        var keptStrides = Geometry.RowMajor.Strides(kept);
        var groups = new List<double>[output.Length];
        var args = new List<int>[output.Length];
        for (int i = 0; i < groups.Length; i++)
        {
            groups[i] = [];
            args[i] = [];
        }
        var c = new int[xs.Length];
        for (int i = 0; i < input.Length; i++)
        {
            long at = 0;
            for (int d = 0; d < xs.Length; d++)
            {
                at += k.Axes.Contains(d) ? 0 : c[d] * keptStrides[d];
            }
            groups[at].Add(input.GetDouble(i));
            args[at].Add(k.Axes.Length > 0 ? c[k.Axes[0]] : 0);
            Geometry.RowMajor.Next(c, xs);
        }
        for (int i = 0; i < groups.Length; i++)
        {
            var g = groups[i];
            double y = k.Kind switch
            {
                ReduceKind.Sum => g.Sum(),
                ReduceKind.Mean => g.Sum() / g.Count,
                ReduceKind.Max => g.Count == 0 ? double.NegativeInfinity : g.Max(),
                ReduceKind.Min => g.Count == 0 ? double.PositiveInfinity : g.Min(),
                ReduceKind.Prod => g.Aggregate(1.0, (x, v) => x * v),
                ReduceKind.SumSquare => g.Sum(v => v * v),
                ReduceKind.L1 => g.Sum(Math.Abs),
                ReduceKind.L2 => Math.Sqrt(g.Sum(v => v * v)),
                ReduceKind.LogSum => Math.Log(g.Sum()),
                ReduceKind.LogSumExp => Math.Log(g.Sum(Math.Exp)),
                ReduceKind.ArgMax => g.Count == 0 ? 0 : args[i][k.SelectLastIndex ? g.LastIndexOf(g.Max()) : g.IndexOf(g.Max())],
                _ => g.Count == 0 ? 0 : args[i][k.SelectLastIndex ? g.LastIndexOf(g.Min()) : g.IndexOf(g.Min())],
            };
            KernelReference.Store(output, i, y);
        }
    }
}
