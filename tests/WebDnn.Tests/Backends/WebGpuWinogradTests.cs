using WebDnn.Backends.Common;
using WebDnn.Backends.WebGpu;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering.KernelStage;

namespace WebDnn.Tests.Backends;

/// <summary>The webgpu Winograd F(2×2, 3×3) conv (weight transformed at compile time, two dispatches) against the conv reference.</summary>
public sealed class WebGpuWinogradTests : IDisposable
{
    private static readonly DataType F = DataType.Float32;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-webgpu-wino-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>The webgpu backend with Winograd chosen on any shape where it applies (the default target also asks for a large map).</summary>
    private sealed class WebGpuWinograd : IBackend
    {
        private readonly WebGpuBackend _webgpu = new();

        public string Name => _webgpu.Name;

        public Target Target { get; } = WebGpuBackend.WebGpuTarget with
        {
            WinogradMinMacs = 0,
            Algorithms = new Dictionary<string, IReadOnlyList<string>>
            {
                ["conv"] = [KernelAlgorithms.ImplicitGemm, KernelAlgorithms.WinogradF2],
                ["matmul"] = [KernelAlgorithms.Gemm],
            },
        };

        public IReadOnlySet<string> Primitives => _webgpu.Primitives;

        public IReadOnlyList<IKernelPass> KernelPasses => _webgpu.KernelPasses;

        public IReadOnlyList<BackendKernel> Write(TargetProgram tp, BackendOutput output) => _webgpu.Write(tp, output);
    }

    /// <summary>
    /// Odd map sizes (partial tiles in both directions), asymmetric and zero pads, two images, and C = 512 on a small
    /// map (few tiles: K split into slices that the output transform adds).
    /// </summary>
    [Theory]
    [InlineData(1, 16, 17, 9, 15, 1, 1, 1, 1)]
    [InlineData(2, 19, 21, 11, 13, 0, 2, 1, 0)]
    [InlineData(1, 512, 18, 13, 15, 1, 1, 1, 1)]
    public void Conv3x3_winograd_with_bias_and_residual_epilogue(int n, int c, int m, int h, int w, int top, int left, int bottom, int right)
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [n, c, h, w]);
        var wt = pb.Weight(F, [m, c, 3, 3]);
        var bias = pb.Weight(F, [m]);
        int oh = h + top + bottom - 2, ow = w + left + right - 2;
        var res = pb.Input("res", F, [n, m, oh, ow]);
        var o = pb.Act(F, n, m, oh, ow);
        var epi = Expr.Un(UnaryOp.Relu, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)));
        pb.Add(new ConvKernel(1, [1, 1], [top, left, bottom, right], [1, 1], true, epi, 3) { Inputs = [x, wt, bias, res], Outputs = [o] });
        pb.Output("y", o);
        var backend = new WebGpuWinograd();
        var tp = PackageWriter.Specialise(pb.Program, backend);
        var conv = tp.Program.Kernels.OfType<ConvKernel>().Single();
        Assert.Equal(KernelAlgorithms.WinogradF2, conv.Algorithm);
        Assert.Equal(WebDnn.Backends.WebGpu.Kernels.WinogradWgsl.FormF2, conv.WeightLayout);
        Assert.Equal(2L * n * m * oh * ow * c * 9, conv.Flops);   // the direct conv's work
        var got = BackendHarness.RunWebGpu(pb, Path.Combine(_dir, "pkg"), backend)["y"].ToDoubles();
        var expected = KernelReference.Run(pb.Program, pb.InputValues)["y"].ToDoubles();
        // As the wasm Winograd F(2×2) tests: random-walk f32 rounding over K = 9C terms of the inputs' size (its
        // transforms add and subtract, G halves); the bound covers GPU fma and the split sums' order too.
        int kk = c * 9;
        double atol = Math.Max(BackendHarness.WebGpuAtol, Math.Sqrt(kk) * Math.Pow(2, -24) * kk / 2);
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - got[i]) <= atol + BackendHarness.WebGpuRtol * Math.Abs(expected[i]), $"y[{i}]: expected {expected[i]:R}, got {got[i]:R}");
        }
    }
}
