using WebDnn.Backends.Common;
using WebDnn.Backends.Wasm;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering.KernelStage;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>The wasm Winograd conv kernels F(2×2, 3×3) and F(4×4, 3×3) against the conv reference.</summary>
public sealed partial class WasmBackendTests
{
    /// <summary>The wasm backend with a target offering one Winograd variant (and implicit GEMM), so each variant is tested on any shape.</summary>
    private sealed class WasmWith(string winograd) : IBackend
    {
        private readonly WasmBackend _wasm = new();

        public string Name => _wasm.Name;

        public Target Target { get; } = WasmBackend.WasmTarget with
        {
            Algorithms = new Dictionary<string, IReadOnlyList<string>>
            {
                ["conv"] = [KernelAlgorithms.ImplicitGemm, winograd],
                ["matmul"] = [KernelAlgorithms.Gemm],
            },
        };

        public IReadOnlySet<string> Primitives => _wasm.Primitives;

        public IReadOnlyList<IKernelPass> KernelPasses => _wasm.KernelPasses;

        public IReadOnlyList<BackendKernel> Write(TargetProgram tp, BackendOutput output) => _wasm.Write(tp, output);
    }

    /// <summary>
    /// Odd map sizes (partial tile rows and columns, a row of tiles not a multiple of 4), asymmetric and zero pads,
    /// channel counts that are no multiple of the 4-row panels, two images, several bands (C = 512) with a shorter last one.
    /// </summary>
    [Theory]
    [InlineData(KernelAlgorithms.WinogradF2, 1, 16, 17, 9, 15, 1, 1, 1, 1)]
    [InlineData(KernelAlgorithms.WinogradF2, 2, 19, 21, 11, 13, 0, 2, 1, 0)]
    [InlineData(KernelAlgorithms.WinogradF2, 1, 512, 18, 23, 23, 1, 1, 1, 1)]
    [InlineData(KernelAlgorithms.WinogradF4, 1, 16, 17, 7, 9, 1, 1, 1, 1)]
    [InlineData(KernelAlgorithms.WinogradF4, 2, 19, 21, 11, 13, 0, 2, 1, 0)]
    [InlineData(KernelAlgorithms.WinogradF4, 1, 24, 16, 30, 37, 2, 1, 3, 2)]
    [InlineData(KernelAlgorithms.WinogradF4, 1, 512, 18, 31, 43, 1, 1, 1, 1)]
    public void Conv3x3_winograd_with_bias_and_residual_epilogue(string algorithm, int n, int c, int m, int h, int w, int top, int left, int bottom, int right)
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
        var backend = new WasmWith(algorithm);
        var tp = PackageWriter.Specialise(pb.Program, backend);
        var conv = tp.Program.Kernels.OfType<ConvKernel>().Single();
        Assert.Equal(algorithm, conv.Algorithm);
        Assert.NotNull(conv.WeightLayout);
        Assert.Equal(2L * n * m * oh * ow * c * 9, conv.Flops);   // the direct conv's work, whatever the stored tile size
        // As for the GEMM conv (random-walk f32 rounding over K = 9C terms, which already covers F(2×2): its transforms
        // add and subtract, its G halves), times 8 for F(4×4), whose transforms scale terms by up to 5 (Bᵀ) and 8 (Aᵀ)
        // before they are rounded. Measured: ≤ 0.08× (F(2×2)) and ≤ 0.2× (F(4×4)) of these bounds.
        int kk = c * 9;
        double growth = algorithm == KernelAlgorithms.WinogradF2 ? 1 : 8;
        // on 2 and 3 threads too (the output channels split in MR-row blocks, each thread transforming the input itself)
        Check(pb, expectNative: 1, atol: Math.Max(F32Atol, growth * Math.Sqrt(kk) * Math.Pow(2, -24) * kk / 2), backend: backend, threads: [2, 3]);
    }
}
