using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>The wasm resize kernel (tap tables in a data segment, copied to scratch with memory.init).</summary>
public sealed partial class WasmBackendTests
{
    private static ResizeAxis Same(int n) => new(1, [.. Enumerable.Range(0, n)], [.. Enumerable.Repeat(1f, n)]);

    /// <summary>half_pixel taps: nearest (1 tap, round half down), linear (2) or cubic (4, a = −0.75), indices clamped.</summary>
    private static ResizeAxis Taps(int lin, int lout, int taps)
    {
        var index = new int[lout * taps];
        var weight = new float[lout * taps];
        for (int o = 0; o < lout; o++)
        {
            double x = (o + 0.5) * lin / lout - 0.5;
            int i0 = (int)Math.Floor(x);
            double f = x - i0;
            double[] w = taps switch
            {
                1 => [1],
                2 => [1 - f, f],
                _ => [Cubic(f + 1), Cubic(f), Cubic(1 - f), Cubic(2 - f)],
            };
            int first = taps switch { 1 => f > 0.5 ? i0 + 1 : i0, 2 => i0, _ => i0 - 1 };
            for (int t = 0; t < taps; t++)
            {
                index[o * taps + t] = Math.Clamp(first + t, 0, lin - 1);
                weight[o * taps + t] = (float)w[t];
            }
        }
        return new ResizeAxis(taps, index, weight);
    }

    private static double Cubic(double x)
    {
        const double a = -0.75;
        x = Math.Abs(x);
        return x <= 1 ? ((a + 2) * x - (a + 3)) * x * x + 1 : x < 2 ? ((a * x - 5 * a) * x + 8 * a) * x - 4 * a : 0;
    }

    [Theory]
    [InlineData(1, 7, 14)]
    [InlineData(2, 5, 10)]
    [InlineData(4, 6, 4)]
    [InlineData(2, 9, 3)]
    public void Resize_nearest_linear_cubic_on_height_and_width(int taps, int h, int oh)
    {
        var pb = new ProgramBuilder();
        int w = 7, ow = oh + 3;
        var x = pb.Input("x", F, [2, 3, h, w]);
        var o = pb.Act(F, 2, 3, oh, ow);
        pb.Add(new ResizeKernel([Same(2), Same(3), Taps(h, oh, taps), Taps(w, ow, taps)], 0) { Inputs = [x], Outputs = [o] });
        pb.Output("y", o);
        // one axis only: the last (rank 2), a middle one (the last axis not resized), the first
        var r = pb.Input("r", F, [3, h]);
        var last = pb.Act(F, 3, oh);
        pb.Add(new ResizeKernel([Same(3), Taps(h, oh, taps)], 0) { Inputs = [r], Outputs = [last] });
        pb.Output("last", last);
        var m = pb.Input("m", F, [2, h, 5]);
        var mid = pb.Act(F, 2, oh, 5);
        pb.Add(new ResizeKernel([Same(2), Taps(h, oh, taps), Same(5)], 0) { Inputs = [m], Outputs = [mid] });
        pb.Output("mid", mid);
        var first = pb.Act(F, oh, 5, 2);
        pb.Add(new ResizeKernel([Taps(h, oh, taps), Same(5), Taps(2, 2, 1)], 0) { Inputs = [pb.Input("f", F, [h, 5, 2])], Outputs = [first] });
        pb.Output("first", first);
        Check(pb, expectNative: 4);
    }

    [Fact]
    public void Resize_outside_coordinates_int_gather_and_identity()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [1, 2, 3, 4]);
        // tf_crop_and_resize: rows and columns outside the source take the extrapolation value
        var o = pb.Act(F, 1, 2, 3, 3);
        pb.Add(new ResizeKernel([Same(1), Same(2), new(2, [-1, -1, 0, 1, 2, 2], [0, 0, 0.5f, 0.5f, 1, 0]), new(2, [3, 2, -1, -1, 0, 1], [0.3f, 0.7f, 0, 0, 1, 0])], 7.5f)
        { Inputs = [x], Outputs = [o] });
        pb.Output("outside", o);
        // nearest on i32 data (a copy of the bits), indices in any order
        var xi = pb.Input("xi", DataType.Int32, [2, 3, 4], gen: r => r.Next(-1000, 1000));
        var oi = pb.Act(DataType.Int32, 2, 5, 2);
        pb.Add(new ResizeKernel([Same(2), new(1, [2, 0, 1, 1, 2], [1, 1, 1, 1, 1]), new(1, [3, 0], [1, 1])], 0) { Inputs = [xi], Outputs = [oi] });
        pb.Output("int", oi);
        // every axis the identity: a copy
        var id = pb.Act(F, 1, 2, 3, 4);
        pb.Add(new ResizeKernel([Same(1), Same(2), Same(3), Same(4)], 0) { Inputs = [x], Outputs = [id] });
        pb.Output("identity", id);
        Check(pb, expectNative: 3);
    }
}
