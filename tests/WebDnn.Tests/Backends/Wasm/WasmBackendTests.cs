using WebDnn.Backends.Common;
using WebDnn.Backends.Wasm;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>
/// The wasm backend's kernels, run in Node through the bundled webdnn.js (SIMD128 module, and the relaxed-SIMD one
/// with Node's flag), against <see cref="KernelReference"/>; each test also checks which kernels ran as wasm.
/// </summary>
public sealed partial class WasmBackendTests : IDisposable
{
    /// <summary>
    /// f32 tolerance: the wasm kernels accumulate in f32 (the reference in double), so a K-term dot product may differ by
    /// about K·2⁻²⁴ relative to the sum of |terms|; K ≤ 300 here gives ≤ 2e-5. exp-based ops add ≤ 2 ulp.
    /// </summary>
    private const double F32Rtol = 1e-4, F32Atol = 1e-5;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-wasm-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static readonly DataType F = DataType.Float32;

    /// <summary>
    /// Compiles for wasm (or <paramref name="backend"/>, a wasm backend with another target), runs both module variants,
    /// compares; returns the kernels' manifest entries.
    /// </summary>
    private List<string?> Check(ProgramBuilder pb, int expectNative, double atol = F32Atol, IBackend? backend = null, int[]? threads = null)
    {
        string pkg = Path.Combine(_dir, "pkg");
        var manifest = backend is null ? PackageWriter.Write(pb.Program, pkg, ["wasm"]) : PackageWriter.Write(pb.Program, pkg, [backend]);
        var entries = manifest.Backends["wasm"].Kernels.Select(k => k.Entry).ToList();
        Assert.Equal(expectNative, entries.Count(e => e is not null && !e.StartsWith("js:", StringComparison.Ordinal)));
        var wasm = manifest.Backends["wasm"];
        var simd = WasmNode.Run(File.ReadAllBytes(Path.Combine(pkg, PackageWriter.KernelFile(wasm, WasmWriter.SimdFile))));
        Assert.True(simd.Valid, $"kernels.wasm does not validate: {simd.Error}");
        bool hasRelaxed = wasm.Files.Any(f => PackageWriter.LogicalName(f.File) == WasmWriter.RelaxedFile);
        if (hasRelaxed)
        {
            Assert.True(WasmNode.Run(File.ReadAllBytes(Path.Combine(pkg, PackageWriter.KernelFile(wasm, WasmWriter.RelaxedFile))), relaxed: true).Valid, "kernels-relaxed.wasm does not validate");
        }
        Assert.True(WasmNode.Run(File.ReadAllBytes(Path.Combine(pkg, PackageWriter.KernelFile(wasm, WasmWriter.SimdSharedFile)))).Valid, "kernels-threads.wasm does not validate");
        var expected = KernelReference.Run(pb.Program, pb.InputValues);
        // in the default worker (both module variants), then on 3 threads sharing the memory (uneven splits, threads
        // with no share): the same bytes as on 1 thread, since a split changes no sum's order
        (string[] Flags, string? Options)[] runs = [([], null), .. hasRelaxed ? [([WasmNode.RelaxedFlag], null)] : Array.Empty<(string[], string?)>(),
            .. (threads ?? [3]).Select(t => (Array.Empty<string>(), (string?)$"{{\"wasmThreads\":{t}}}"))];
        NodeResult? single = null;
        foreach (var (flags, options) in runs)
        {
            var result = NodeRunner.Run(pkg, pb.RawInputs(), ["wasm"], nodeFlags: flags, loadOptions: options);
            Assert.True(result.Ok, result.Error);
            Assert.Equal("wasm", result.Backend);
            single ??= result;
            if (options is not null)
            {
                foreach (var (name, t) in single.Outputs)
                {
                    Assert.True(t.Data.AsSpan().SequenceEqual(result.Outputs[name].Data), $"{options}: output '{name}' differs from the 1-thread run");
                }
            }
            foreach (var io in pb.Program.Outputs)
            {
                var got = result.Outputs[io.Name];
                Assert.Equal(io.KernelBuffer.Shape, got.Shape);
                var g = got.ToDoubles();
                var e = expected[io.Name].ToDoubles();
                Assert.Equal(e.Length, g.Length);
                for (int i = 0; i < e.Length; i++)
                {
                    bool ok = io.KernelBuffer.DataType == F
                        ? (double.IsNaN(e[i]) && double.IsNaN(g[i])) || e[i] == g[i] || Math.Abs(e[i] - g[i]) <= atol + F32Rtol * Math.Abs(e[i])
                        : e[i] == g[i];
                    Assert.True(ok, $"{string.Join(" ", flags)} output '{io.Name}'[{i}]: expected {e[i]:R}, got {g[i]:R}");
                }
            }
        }
        return entries;
    }

    /// <summary>
    /// Compiles for wasm (every kernel native), runs with input <paramref name="input"/> set to <paramref name="value"/> and
    /// expects the run to fail with a message naming <paramref name="primitive"/> and the kernel's <paramref name="origin"/>.
    /// </summary>
    private void CheckTrap(ProgramBuilder pb, string input, RawTensor value, string primitive, string origin)
    {
        string pkg = Path.Combine(_dir, "trap");
        var manifest = PackageWriter.Write(pb.Program, pkg, ["wasm"]);
        Assert.DoesNotContain(manifest.Backends["wasm"].Kernels, k => k.Entry!.StartsWith("js:", StringComparison.Ordinal));
        var inputs = pb.RawInputs();
        inputs[input] = value;
        var result = NodeRunner.Run(pkg, inputs, ["wasm"]);
        Assert.False(result.Ok);
        Assert.Contains(primitive, result.Error, StringComparison.Ordinal);
        Assert.Contains(origin, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(33)]
    public void Elementwise_every_tail_length(int n)
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [n]);
        var y = pb.Input("y", F, [n]);
        var s = pb.Weight(F, [1]);
        var o = pb.Act(F, n);
        var xe = Expr.In(0, F);
        var body = Expr.Bin(BinaryOp.Add,
            Expr.Bin(BinaryOp.Mul, Expr.Un(UnaryOp.Sigmoid, xe), Expr.In(1, F)),
            Expr.Bin(BinaryOp.Sub, Expr.Un(UnaryOp.Tanh, Expr.Bin(BinaryOp.Div, xe, Expr.In(2, F))), Expr.Un(UnaryOp.Relu, Expr.Un(UnaryOp.Neg, xe))));
        pb.Add(new ElementwiseKernel(body) { Inputs = [x, y, s], Outputs = [o] });
        pb.Output("o", o);
        Check(pb, expectNative: 1);
    }

    [Fact]
    public void Elementwise_unary_ops_and_fallback_for_broadcast()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 3, 5], gen: r => r.NextDouble() * 20 - 10);
        var xe = Expr.In(0, F);
        UnaryOp[] ops = [UnaryOp.Exp, UnaryOp.Abs, UnaryOp.Floor, UnaryOp.Ceil, UnaryOp.Round, UnaryOp.Reciprocal, UnaryOp.Softsign];
        foreach (var op in ops)
        {
            var o = pb.Act(F, 2, 3, 5);
            pb.Add(new ElementwiseKernel(Expr.Un(op, xe)) { Inputs = [x], Outputs = [o] });
            pb.Output(op.ToString(), o);
        }
        var sq = pb.Act(F, 2, 3, 5);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Sqrt, Expr.Un(UnaryOp.Abs, xe))) { Inputs = [x], Outputs = [sq] });
        pb.Output("sqrt", sq);
        // a broadcast operand of another shape falls back to the js kernel
        var row = pb.Input("row", F, [5]);
        var b = pb.Act(F, 2, 3, 5);
        pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Max, xe, Expr.In(1, F))) { Inputs = [x, row], Outputs = [b] });
        pb.Output("bcast", b);
        var entries = Check(pb, expectNative: ops.Length + 1);
        Assert.StartsWith("js:", entries[^1]);
    }

    [Theory]
    [InlineData(1, 1, 0, 1, 3)]
    [InlineData(3, 1, 1, 1, 3)]
    [InlineData(3, 2, 1, 1, 3)]
    [InlineData(3, 1, 2, 2, 3)]
    [InlineData(1, 2, 0, 1, 3)]
    [InlineData(7, 2, 3, 1, 3)]
    [InlineData(3, 1, 1, 1, 600)]
    [InlineData(1, 1, 0, 1, 600, 130)] // 1×1 with K and M large enough to pack B: full and partial tiles, a 7-column panel
    public void Conv2d_gemm_with_bias_and_residual_epilogue(int k, int stride, int pad, int dilation, int channels, int m = 10)
    {
        var pb = new ProgramBuilder();
        int h = 11, w = 13;
        var x = pb.Input("x", F, [2, channels, h, w]);
        var wt = pb.Weight(F, [m, channels, k, k]);
        var bias = pb.Weight(F, [m]);
        int oh = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1, ow = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
        var res = pb.Input("res", F, [2, m, oh, ow]);
        var o = pb.Act(F, 2, m, oh, ow);
        var epi = Expr.Un(UnaryOp.Relu, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)));
        pb.Add(new ConvKernel(1, [stride, stride], [pad, pad, pad, pad], [dilation, dilation], true, epi, 3) { Inputs = [x, wt, bias, res], Outputs = [o] });
        pb.Output("y", o);
        // K = C·k·k terms summed in f32 (random-walk rounding bound √K·2⁻²⁴·Σ|terms|, Σ|terms| ≈ K/2 for inputs in [-2, 2] and
        // weights in [-1, 1]): 1.2e-2 for C = 600 (K = 5400); the small cases stay under F32Atol
        int kk = channels * k * k;
        Check(pb, expectNative: 1, atol: Math.Max(F32Atol, Math.Sqrt(kk) * Math.Pow(2, -24) * kk / 2));
    }

    [Fact]
    public void Concat_pieces_are_written_in_place_at_batch_1_and_copied_otherwise()
    {
        var pb = new ProgramBuilder();
        // batch 1: two 1x1 convs write their channel ranges of y directly (the copies go); x2 is read again after the concat
        var x = pb.Input("x", F, [1, 3, 5, 5]);
        var x1 = pb.Act(F, 1, 4, 5, 5);
        var x2 = pb.Act(F, 1, 6, 5, 5);
        pb.Add(new ConvKernel(1, [1, 1], [0, 0, 0, 0], [1, 1], false, null, 2) { Inputs = [x, pb.Weight(F, [4, 3, 1, 1])], Outputs = [x1] });
        pb.Add(new ConvKernel(1, [1, 1], [0, 0, 0, 0], [1, 1], false, null, 2) { Inputs = [x, pb.Weight(F, [6, 3, 1, 1])], Outputs = [x2] });
        var y = pb.Act(F, 1, 10, 5, 5);
        pb.Add(new CopyKernel([1, 4, 5, 5], [1, 4, 5, 5], [0, 1, 2, 3], [1, 1, 1, 1], [0, 0, 0, 0], 0, [250, 25, 5, 1], PadMode.None, 0) { Inputs = [x1], Outputs = [y] });
        pb.Add(new CopyKernel([1, 6, 5, 5], [1, 6, 5, 5], [0, 1, 2, 3], [1, 1, 1, 1], [0, 0, 0, 0], 100, [250, 25, 5, 1], PadMode.None, 0) { Inputs = [x2], Outputs = [y] });
        var o = pb.Act(F, 1, 10, 5, 5);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Relu, Expr.In(0, F))) { Inputs = [y], Outputs = [o] });
        pb.Output("y", o);
        var side = pb.Act(F, 1, 6, 5, 5);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Neg, Expr.In(0, F))) { Inputs = [x2], Outputs = [side] });
        pb.Output("side", side);
        // batch 2: each piece is two separate runs of the output, so the copies stay
        var b = pb.Input("b", F, [2, 2, 3, 3]);
        var yb = pb.Act(F, 2, 4, 3, 3);
        pb.Add(new CopyKernel([2, 2, 3, 3], [2, 2, 3, 3], [0, 1, 2, 3], [1, 1, 1, 1], [0, 0, 0, 0], 0, [36, 9, 3, 1], PadMode.None, 0) { Inputs = [b], Outputs = [yb] });
        var bn = pb.Act(F, 2, 2, 3, 3);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Neg, Expr.In(0, F))) { Inputs = [b], Outputs = [bn] });
        pb.Add(new CopyKernel([2, 2, 3, 3], [2, 2, 3, 3], [0, 1, 2, 3], [1, 1, 1, 1], [0, 0, 0, 0], 18, [36, 9, 3, 1], PadMode.None, 0) { Inputs = [bn], Outputs = [yb] });
        var ob = pb.Act(F, 2, 4, 3, 3);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Relu, Expr.In(0, F))) { Inputs = [yb], Outputs = [ob] });
        pb.Output("yb", ob);
        // 2 convs + 2 elementwise, then the batch-2 group: elementwise, 2 copies, elementwise
        var entries = Check(pb, expectNative: 8);
        Assert.Equal(8, entries.Count);
    }

    [Fact]
    public void Conv_without_bias_unpacked_dynamic_weight_and_grouped_fallback()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [1, 6, 9, 9]);
        var wt = pb.Input("w", F, [5, 6, 3, 3]);
        var o = pb.Act(F, 1, 5, 9, 9);
        pb.Add(new ConvKernel(1, [1, 1], [1, 1, 1, 1], [1, 1], false, null, 2) { Inputs = [x, wt], Outputs = [o] });
        pb.Output("y", o);
        var wg = pb.Weight(F, [6, 3, 3, 3]);
        var og = pb.Act(F, 1, 6, 7, 7);
        pb.Add(new ConvKernel(2, [1, 1], [0, 0, 0, 0], [1, 1], false, null, 2) { Inputs = [x, wg], Outputs = [og] });
        pb.Output("grouped", og);
        var entries = Check(pb, expectNative: 1);
        Assert.StartsWith("js:", entries[1]);
    }

    [Theory]
    [InlineData(3, 1, 1, 1, 9)]
    [InlineData(3, 2, 1, 1, 9)]
    [InlineData(3, 1, 0, 1, 6)]
    [InlineData(5, 2, 2, 1, 13)]
    [InlineData(3, 1, 2, 2, 5)]
    public void Depthwise_conv_with_bias_and_epilogue(int k, int stride, int pad, int dilation, int w)
    {
        var pb = new ProgramBuilder();
        int h = 7, c = 5;
        var x = pb.Input("x", F, [2, c, h, w]);
        var wt = pb.Weight(F, [c, 1, k, k]);
        var bias = pb.Weight(F, [c]);
        int oh = (h + 2 * pad - dilation * (k - 1) - 1) / stride + 1, ow = (w + 2 * pad - dilation * (k - 1) - 1) / stride + 1;
        var res = pb.Input("res", F, [2, c, oh, ow]);
        var o = pb.Act(F, 2, c, oh, ow);
        var epi = Expr.Bin(BinaryOp.Min, Expr.Un(UnaryOp.Relu, Expr.In(0, F)), Expr.In(1, F));
        pb.Add(new ConvKernel(c, [stride, stride], [pad, pad, pad, pad], [dilation, dilation], true, epi, 3) { Inputs = [x, wt, bias, res], Outputs = [o] });
        pb.Output("y", o);
        Check(pb, expectNative: 1);
    }

    [Theory]
    [InlineData(1, 9, 300)]
    [InlineData(7, 9, 13)]
    [InlineData(12, 33, 64)]
    [InlineData(5, 1, 3)]
    public void MatMul_packed_weight_with_bias_and_epilogue(int m, int k, int n)
    {
        var pb = new ProgramBuilder();
        var a = pb.Input("a", F, [m, k]);
        var b = pb.Weight(F, [k, n]);
        var bias = pb.Weight(F, [n]);
        var res = pb.Input("res", F, [m, n]);
        var o = pb.Act(F, m, n);
        var epi = Expr.Un(UnaryOp.Sigmoid, Expr.Bin(BinaryOp.Mul, Expr.In(0, F), Expr.In(1, F)));
        pb.Add(new MatMulKernel(true, epi, 3) { Inputs = [a, b, bias, res], Outputs = [o] });
        pb.Output("y", o);
        Check(pb, expectNative: 1);
    }

    [Fact]
    public void MatMul_batched_broadcast_activations()
    {
        var pb = new ProgramBuilder();
        var a = pb.Input("a", F, [2, 1, 7, 9]);
        var b = pb.Input("b", F, [3, 9, 21]);
        var o = pb.Act(F, 2, 3, 7, 21);
        pb.Add(new MatMulKernel(false, null, 2) { Inputs = [a, b], Outputs = [o] });
        pb.Output("y", o);
        var v = pb.Input("v", F, [9]);
        var mv = pb.Act(F, 7);
        var a2 = pb.Input("a2", F, [7, 9]);
        pb.Add(new MatMulKernel(false, null, 2) { Inputs = [a2, v], Outputs = [mv] });
        pb.Output("mv", mv);
        var rowBias = pb.Weight(F, [7, 1]);
        var b3 = pb.Weight(F, [9, 6]);
        var o3 = pb.Act(F, 7, 6);
        pb.Add(new MatMulKernel(true, null, 3) { Inputs = [a2, b3, rowBias], Outputs = [o3] });
        pb.Output("rowbias", o3);
        Check(pb, expectNative: 3);
    }

    [Fact]
    public void Manifest_lists_only_the_packed_weights_wasm_reads()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [1, 8, 5, 5]);
        var wt = pb.Weight(F, [6, 8, 1, 1]);
        var o = pb.Act(F, 1, 6, 5, 5);
        pb.Add(new ConvKernel(1, [1, 1], [0, 0, 0, 0], [1, 1], false, null, 2) { Inputs = [x, wt], Outputs = [o] });
        pb.Output("y", o);
        string pkg = Path.Combine(_dir, "both");
        var manifest = PackageWriter.Write(pb.Program, pkg, ["wasm", "js"]);
        var wasm = manifest.Backends["wasm"];
        var js = manifest.Backends["js"];
        Assert.Equal(KernelAlgorithms.Gemm1x1, wasm.Kernels[0].Algorithm);
        var wasmWeight = wasm.Buffers[wasm.Kernels[0].Inputs[1]];
        var jsWeight = js.Buffers[js.Kernels[0].Inputs[1]];
        Assert.Equal([8, 8, 1, 1], wasmWeight.Shape);   // 6 rows padded to the 4-row panels
        Assert.Equal([6, 8, 1, 1], jsWeight.Shape);
        Assert.NotEqual(wasmWeight.Offset, jsWeight.Offset);
    }
}
