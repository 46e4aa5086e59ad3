using WebDnn.Backends.Js;
using WebDnn.Backends.WebGpu;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Tests.Backends;

/// <summary>The WGSL writer's contract: numbers only through its literal helpers, one shader per kernel, no model string in shader text.</summary>
public sealed class WebGpuWriterTests
{
    private static readonly DataType F = DataType.Float32, I = DataType.Int32;

    [Theory]
    [InlineData(1.0, "1.0f")]
    [InlineData(-2.5, "(-2.5f)")]
    [InlineData(1e-5, "1E-05f")]
    [InlineData(0.0, "0f")]
    [InlineData(double.NaN, "bitcast<f32>(NAN_BITS)")]
    [InlineData(double.PositiveInfinity, "bitcast<f32>(INF_BITS)")]
    [InlineData(double.NegativeInfinity, "(-bitcast<f32>(INF_BITS))")]
    [InlineData(1e39, "bitcast<f32>(INF_BITS)")]
    [InlineData(3.4028234663852886e38, "3.4028235E+38f")]
    public void F32_literals_round_trip_or_use_bit_patterns(double value, string wgsl) => Assert.Equal(wgsl, WgslWriter.F32(value));

    [Fact]
    public void I32_literals_cover_the_whole_range_and_refuse_overflow()
    {
        Assert.Equal("(-2147483647i - 1i)", WgslWriter.I32(int.MinValue));
        Assert.Equal("2147483647i", WgslWriter.I32(int.MaxValue));
        Assert.Equal("(-3i)", WgslWriter.I32(-3));
        Assert.Throws<UnsupportedModelException>(() => WgslWriter.I32(1L << 31));
    }

    [Fact]
    public void Every_primitive_of_the_js_backend_has_a_webgpu_kernel() => Assert.True(JsWriter.Primitives.SetEquals(WebGpuWriter.Primitives));

    [Fact]
    public void One_compute_shader_per_kernel_and_no_model_string_in_any()
    {
        var pb = new ProgramBuilder();
        const string evil = "</script><script>alert(1)</script>";
        var x = pb.Input("x", F, [1, 4, 6, 6]);
        var w = pb.Weight(F, [8, 4, 3, 3]);
        var c = pb.Act(F, 1, 8, 6, 6);
        pb.Add(new ConvKernel(1, [1, 1], [1, 1, 1, 1], [1, 1], false, Expr.Un(UnaryOp.Relu, Expr.In(0, F)), 2) { Inputs = [x, w], Outputs = [c], Origin = evil, Algorithm = KernelAlgorithms.ImplicitGemm });
        var p = pb.Act(F, 1, 8, 3, 3);
        pb.Add(new PoolKernel(PoolKind.Max, [2, 2], [2, 2], [0, 0, 0, 0], [1, 1], false, 0) { Inputs = [c], Outputs = [p], Origin = evil });
        var r = pb.Act(F, 1, 8, 1, 1);
        pb.Add(new ReduceKernel(ReduceKind.Mean, [2, 3], false) { Inputs = [p], Outputs = [r], Origin = evil });
        var flat = pb.Alias(r, 1, 8);
        var fc = pb.Weight(F, [8, 5]);
        var m = pb.Act(F, 1, 5);
        pb.Add(new MatMulKernel(false, null, 2) { Inputs = [flat, fc], Outputs = [m], Origin = evil });
        var s = pb.Act(F, 1, 5);
        pb.Add(new SoftmaxKernel(1, 5, 1, false) { Inputs = [m], Outputs = [s], Origin = evil });
        var idx = pb.Input("idx", I, [2]);
        var g = pb.Act(F, 2, 5);
        pb.Add(new GatherKernel(0) { Inputs = [s, idx], Outputs = [g], Origin = evil });
        pb.Output("y", g);

        var (shaders, kernels) = WebGpuWriter.Generate(pb.Program);
        Assert.Equal(pb.Program.Kernels.Count, kernels.Count);
        foreach (var (k, bk) in pb.Program.Kernels.Zip(kernels))
        {
            string text = shaders[(int)bk.Data![0]];
            Assert.Contains("@compute", text, StringComparison.Ordinal);
            Assert.DoesNotContain("script", text, StringComparison.Ordinal);
            Assert.Equal(k.Inputs.Length + k.Outputs.Length, text.Split("@binding(").Length - 1);
            Assert.Equal(3, bk.Dispatch!.Count);
            Assert.All(bk.Dispatch, d => Assert.InRange(d, 1, 65535));
        }
    }
}
