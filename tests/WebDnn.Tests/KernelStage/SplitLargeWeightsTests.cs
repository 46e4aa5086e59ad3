using WebDnn.Backends.Js;
using WebDnn.Backends.Wasm;
using WebDnn.Backends.WebGpu;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering.KernelStage;
using WebDnn.Tests.Backends;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.KernelStage;

/// <summary>
/// <see cref="SplitLargeWeights"/> with a tiny binding limit on small programs: every form it cuts (matmul by B's
/// columns and by A's rows, convolution by output channels, gather by a table axis) binds no weight over the limit,
/// computes what the whole kernel computes (reference evaluator), and runs on webgpu (Dawn on SwiftShader).
/// </summary>
public sealed class SplitLargeWeightsTests : IDisposable
{
    private const DataType F = DataType.Float32;

    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Target Limited(long bytes) => WebGpuBackend.WebGpuTarget with { MaxBindingBytes = bytes };

    /// <summary>
    /// Four kernels, each with a weight of a few KiB: a matmul with bias, an activation and a broadcast epilogue operand
    /// (B [40, 300]), a matmul whose A is the weight ([300, 40]), a convolution with bias and residual (W [40, 8, 3, 3]),
    /// a gather from a [50, 30] table, and a fully-connected layer (one row, B [60, 70]) with bias and epilogue.
    /// </summary>
    private static ProgramBuilder Build()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [20, 40]);
        var r = pb.Input("r", F, [20, 300]);
        var s = pb.Input("s", F, [20, 1]);
        var mm = pb.Act(F, 20, 300);
        var epi = Expr.Un(UnaryOp.Tanh, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.Bin(BinaryOp.Mul, Expr.In(1, F), Expr.In(2, F))));
        pb.Add(new MatMulKernel(true, epi, 3) { Inputs = [x, pb.Weight(F, [40, 300]), pb.Weight(F, [300]), r, s], Outputs = [mm] });
        pb.Output("mm", mm);

        var b = pb.Input("b", F, [40, 7]);
        var ma = pb.Act(F, 300, 7);
        pb.Add(new MatMulKernel(false, null, 2) { Inputs = [pb.Weight(F, [300, 40]), b], Outputs = [ma] });
        pb.Output("ma", ma);

        var img = pb.Input("img", F, [1, 8, 6, 6]);
        var res = pb.Input("res", F, [1, 40, 6, 6]);
        var conv = pb.Act(F, 1, 40, 6, 6);
        var relu = Expr.Un(UnaryOp.Relu, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)));
        pb.Add(new ConvKernel(1, [1, 1], [1, 1, 1, 1], [1, 1], true, relu, 3) { Inputs = [img, pb.Weight(F, [40, 8, 3, 3]), pb.Weight(F, [40]), res], Outputs = [conv] });
        pb.Output("conv", conv);

        var ids = pb.Input("ids", DataType.Int32, [4], gen: rng => rng.Next(50));
        var rows = pb.Act(F, 4, 30);
        pb.Add(new GatherKernel(0) { Inputs = [pb.Weight(F, [50, 30]), ids], Outputs = [rows] });
        pb.Output("rows", rows);

        // One output row: cut along K into a chain (B [60, 70]).
        var v = pb.Input("v", F, [1, 60]);
        var q = pb.Input("q", F, [1, 70]);
        var fc = pb.Act(F, 1, 70);
        var tanh = Expr.Un(UnaryOp.Tanh, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)));
        pb.Add(new MatMulKernel(true, tanh, 3) { Inputs = [v, pb.Weight(F, [60, 70]), pb.Weight(F, [70]), q], Outputs = [fc], Origin = "fc" });
        pb.Output("fc", fc);
        return pb;
    }

    [Fact]
    public void Every_weight_over_the_limit_is_cut_into_pieces_that_compute_the_same_outputs()
    {
        const long limit = 2048;
        var pb = Build();
        var tp = TargetProgram.Run(pb.Program, Limited(limit), KernelPipelines.Standard());
        var weights = tp.Program.Kernels.SelectMany(k => k.Inputs).Where(b => b.Kind == BufferKind.Weight).Distinct().ToList();
        Assert.All(weights, w => Assert.True(w.ByteLength <= limit, $"{w} ({w.ByteLength} bytes) is over {limit}"));
        // B [40, 300] (160 bytes a column): 12-column pieces fit and are a multiple of 4 → 25 matmuls and 25 joins, plus
        // the slices of the activation operand r (s broadcasts along N: read whole).
        Assert.Equal(25, tp.Program.Kernels.OfType<MatMulKernel>().Count(k => k.Inputs[0].Shape.SequenceEqual([20, 40])));
        Assert.All(tp.Program.Kernels.OfType<MatMulKernel>().Where(k => k.Inputs[0].Shape.SequenceEqual([20, 40])), k =>
        {
            Assert.Equal(k.Inputs[1].Shape[1], k.Inputs[2].Shape[0]);                   // bias sliced with the columns
            Assert.Equal(k.Inputs[1].Shape[1], k.Inputs[3].Shape[1]);                   // activation operand too
            Assert.Equal([20, 1], k.Inputs[4].Shape);                                   // the broadcast one read whole
        });
        // The one-row layer: a chain of 15 products over 4 rows of B each (7 fit; 4 is the granule), every one writing
        // all 70 columns; only the last adds the bias and applies tanh(· + q), and no join copy follows.
        var chain = tp.Program.Kernels.Where(k => k.Origin.StartsWith("fc (part", StringComparison.Ordinal)).ToList();
        var links = chain.OfType<MatMulKernel>().ToList();
        Assert.Equal(15, links.Count);
        Assert.All(links, k => Assert.Equal([4, 70], k.Inputs[1].Shape));
        Assert.All(links, k => Assert.Equal([1, 70], k.Output.Shape));
        Assert.Equal([false, .. Enumerable.Repeat(false, 13), true], links.Select(k => k.HasBias));
        Assert.DoesNotContain(chain, k => k.Origin.EndsWith("(join)", StringComparison.Ordinal));
        Assert.Contains(tp.Program.Kernels, k => k is ConvKernel { Inputs: [_, { Shape: [4, 8, 3, 3] }, ..] });
        Assert.Contains(tp.Program.Kernels, k => k is GatherKernel { Inputs: [{ Shape: [50, 8] }, _] });

        var expected = KernelReference.Run(pb.Program, pb.InputValues);
        var actual = KernelReference.Run(tp.Program, pb.InputValues);
        foreach (var (name, t) in expected)
        {
            var (e, a) = (t.ToDoubles(), actual[name].ToDoubles());
            if (name != "fc")
            {
                Assert.Equal(e, a);   // the same sums per element: bit for bit
                continue;
            }
            // The chain rounds each partial product to f32 (the reference stores f32 buffers): a few ulps per link.
            Assert.Equal(e.Length, a.Length);
            Assert.All(e.Zip(a), x => Assert.True(Math.Abs(x.First - x.Second) <= 1e-5 * Math.Max(1, Math.Abs(x.First)), $"{x.First} vs {x.Second}"));
        }
    }

    [Fact]
    public void Split_kernels_run_on_webgpu_and_match_the_reference()
    {
        var pb = Build();
        var outputs = BackendHarness.RunWebGpu(pb, _dir.File("pkg"), new WebGpuBackend(Limited(2048)));
        BackendHarness.AssertMatchesReference("webgpu", pb, outputs);
    }

    [Fact]
    public void Targets_without_a_binding_limit_and_weights_that_fit_are_left_whole()
    {
        var pb = Build();
        int kernels = pb.Program.Kernels.Count;
        foreach (var target in new[] { JsBackend.JsTarget, WasmBackend.WasmTarget, WebGpuBackend.WebGpuTarget })
        {
            Assert.Equal(long.MaxValue > target.MaxBindingBytes, target.Name == "webgpu");
            var tp = TargetProgram.Run(pb.Program, target, KernelPipelines.Standard());
            Assert.Equal(kernels, tp.Program.Kernels.Count(k => k is not CopyKernel));
            Assert.DoesNotContain(tp.Program.Kernels, k => k.Origin.Contains("(part ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_weight_whose_smallest_piece_is_over_the_limit_stays_whole()
    {
        // One column of B [40, 300] is 160 bytes, one output channel of W [40, 8, 3, 3] 288, one table column 200:
        // with a limit of 100 bytes nothing can be cut, and the runtime's limits decide.
        var pb = Build();
        var tp = TargetProgram.Run(pb.Program, Limited(100), KernelPipelines.Standard());
        Assert.Equal(pb.Program.Kernels.Count, tp.Program.Kernels.Count);
        Assert.DoesNotContain(tp.Program.Kernels, k => k.Origin.Contains("(part ", StringComparison.Ordinal));
    }

    [Fact]
    public void Sliced_weight_data_is_the_range_of_one_axis()
    {
        var t = Tensor.FromFloats([2, 3, 4], [.. Enumerable.Range(0, 24).Select(i => (float)i)]);
        var s = SplitLargeWeights.SliceData(t, [2, 3, 4], 1, 1, 2);
        Assert.Equal([2, 2, 4], s.Shape);
        Assert.Equal([4f, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23], s.ToFloats());
    }
}
