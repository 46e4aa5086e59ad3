using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>The wasm reduce kernel: rows (reduced axis innermost) and columns (kept axis innermost), every kind, arg ties.</summary>
public sealed partial class WasmBackendTests
{
    private static readonly ReduceKind[] s_valueKinds =
    [
        ReduceKind.Sum, ReduceKind.Mean, ReduceKind.Max, ReduceKind.Min, ReduceKind.Prod, ReduceKind.SumSquare,
        ReduceKind.L1, ReduceKind.L2, ReduceKind.LogSum, ReduceKind.LogSumExp,
    ];

    [Theory]
    [InlineData(new[] { 3, 5, 7 }, new[] { 2 })]
    [InlineData(new[] { 3, 5, 7 }, new[] { 1 })]
    [InlineData(new[] { 3, 5, 7 }, new[] { 0, 2 })]
    [InlineData(new[] { 3, 5, 7 }, new[] { 0, 1 })]
    [InlineData(new[] { 2, 3, 4, 6 }, new[] { 1, 3 })]
    [InlineData(new[] { 3, 5, 7 }, new[] { 0, 1, 2 })]
    [InlineData(new[] { 4, 1, 6 }, new[] { 1 })]
    [InlineData(new[] { 2, 9, 1 }, new[] { 1, 2 })]
    [InlineData(new[] { 3, 0, 4 }, new[] { 1 })]
    [InlineData(new[] { 2, 130 }, new[] { 1 })]
    public void Reduce_every_kind_rows_and_columns(int[] shape, int[] axes)
    {
        var pb = new ProgramBuilder();
        // positive inputs (LogSum needs a positive sum; Prod stays near 1), and mixed signs for the kinds that take them
        var pos = pb.Input("pos", F, shape, gen: r => r.NextDouble() * 1.2 + 0.4);
        var mixed = pb.Input("mixed", F, shape, gen: r => r.NextDouble() * 20 - 10);
        var kept = shape.Select((d, a) => axes.Contains(a) ? 1 : d).ToArray();
        int native = 0;
        foreach (var kind in s_valueKinds)
        {
            foreach (var (x, name) in new[] { (pos, "pos"), (mixed, "mixed") })
            {
                if (name == "mixed" && kind is ReduceKind.LogSum or ReduceKind.Prod)
                {
                    continue;
                }
                var o = pb.Act(F, kept);
                pb.Add(new ReduceKernel(kind, axes, false) { Inputs = [x], Outputs = [o] });
                pb.Output($"{kind}_{name}", o);
                native++;
            }
        }
        Check(pb, expectNative: native);
    }

    [Theory]
    [InlineData(new[] { 4, 9, 6 }, 1)]
    [InlineData(new[] { 4, 9, 6 }, 2)]
    [InlineData(new[] { 4, 9, 6 }, 0)]
    [InlineData(new[] { 3, 1, 5 }, 1)]
    [InlineData(new[] { 2, 1001 }, 1)]
    public void Reduce_arg_max_and_min_with_ties_and_last_index(int[] shape, int axis)
    {
        var pb = new ProgramBuilder();
        // few distinct values: many ties
        var x = pb.Input("x", F, shape, gen: r => r.Next(0, 4) - 1.5);
        var y = pb.Input("y", F, shape, gen: r => r.NextDouble() * 4 - 2);
        var kept = shape.Select((d, a) => a == axis ? 1 : d).ToArray();
        int native = 0;
        foreach (var kind in new[] { ReduceKind.ArgMax, ReduceKind.ArgMin })
        {
            foreach (bool last in new[] { false, true })
            {
                foreach (var (input, name) in new[] { (x, "ties"), (y, "spread") })
                {
                    var o = pb.Act(DataType.Int32, kept);
                    pb.Add(new ReduceKernel(kind, [axis], last) { Inputs = [input], Outputs = [o] });
                    pb.Output($"{kind}_{last}_{name}", o);
                    native++;
                }
            }
        }
        Check(pb, expectNative: native);
    }
}
