using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>The wasm gather_elements kernel (f32, i32 and bool data; out-of-range indices trap).</summary>
public sealed partial class WasmBackendTests
{
    [Fact]
    public void GatherElements_every_axis_negative_indices_smaller_index_shape()
    {
        var pb = new ProgramBuilder();
        int[] ds = [3, 4, 5];
        var x = pb.Input("x", F, ds);
        var xi = pb.Input("xi", DataType.Int32, ds, gen: r => r.Next(-1000, 1000));
        var xb = pb.Input("xb", DataType.Bool, ds, gen: r => r.Next(2));
        int native = 0;
        for (int axis = 0; axis < 3; axis++)
        {
            int n = ds[axis];
            // on the other axes the indices may be shorter than the data
            int[] shape = [.. ds.Select((d, a) => a == axis ? 6 : d - a % 2)];
            var idx = pb.Input($"idx{axis}", DataType.Int32, shape, gen: r => r.Next(-n, n));
            foreach (var (data, name, dt) in new[] { (x, "f", F), (xi, "i", DataType.Int32), (xb, "b", DataType.Bool) })
            {
                var o = pb.Act(dt, shape);
                pb.Add(new GatherElementsKernel(axis) { Inputs = [data, idx], Outputs = [o] });
                pb.Output($"{name}{axis}", o);
                native++;
            }
        }
        Check(pb, expectNative: native);
    }

    [Fact]
    public void GatherElements_index_out_of_range_fails_naming_the_kernel()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 3]);
        var idx = pb.Input("idx", DataType.Int32, [2, 3], gen: r => r.Next(0, 3));
        var o = pb.Act(F, 2, 3);
        pb.Add(new GatherElementsKernel(1) { Inputs = [x, idx], Outputs = [o], Origin = "ge" });
        pb.Output("y", o);
        CheckTrap(pb, "idx", ProgramBuilder.Raw(DataType.Int32, [2, 3], [0, 1, 2, -3, 3, 0]), "gather_elements", "ge");
    }
}
