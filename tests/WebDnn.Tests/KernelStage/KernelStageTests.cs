using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering.KernelStage;
using WebDnn.Tests.Backends;

namespace WebDnn.Tests.KernelStage;

/// <summary>The kernel-level stage: algorithm choice, layout assignment, weight packing and per-target memory planning.</summary>
public sealed class KernelStageTests
{
    private const DataType F = DataType.Float32;

    private static Target Make(bool nhwc = false, bool repack = false, int alignment = 16, params string[] convAlgorithms) =>
        new("test", alignment, 8, 4, Target.BasicTypes, repack,
            new Dictionary<string, IReadOnlyList<string>> { ["conv"] = convAlgorithms.Length > 0 ? convAlgorithms : [KernelAlgorithms.Direct], ["matmul"] = [KernelAlgorithms.Gemm] },
            nhwc ? new Dictionary<string, ActivationLayout> { ["conv"] = ActivationLayout.Nhwc, ["pool"] = ActivationLayout.Nhwc } : new Dictionary<string, ActivationLayout>());

    private static ConvKernel Conv(ProgramBuilder pb, KernelBuffer x, int m, int k, int stride = 1, int group = 1, Expr? epilogue = null, KernelBuffer? extra = null)
    {
        int c = x.Shape[1], pad = k / 2;
        int h = (x.Shape[2] + 2 * pad - k) / stride + 1, w = (x.Shape[3] + 2 * pad - k) / stride + 1;
        var wt = pb.Weight(F, [m, c / group, k, k]);
        var y = pb.Act(F, x.Shape[0], m, h, w);
        return new ConvKernel(group, [stride, stride], [pad, pad, pad, pad], [1, 1], false, epilogue, 2)
        {
            Inputs = extra is null ? [x, wt] : [x, wt, extra],
            Outputs = [y],
        };
    }

    [Fact]
    public void Algorithms_are_the_most_specific_the_target_implements()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [1, 32, 8, 8]);
        var c3 = Conv(pb, x, 32, 3);                       // stride 1, 3×3, 32→32: Winograd
        var c1 = Conv(pb, c3.Output, 32, 1);               // 1×1: GEMM
        var s2 = Conv(pb, c1.Output, 32, 3, stride: 2);    // stride 2: implicit GEMM
        var dw = Conv(pb, s2.Output, 32, 3, group: 32);    // depthwise
        var small = Conv(pb, dw.Output, 4, 3);             // too few output channels for Winograd
        foreach (var k in new[] { c3, c1, s2, dw, small })
        {
            pb.Add(k);
        }
        pb.Output("y", small.Output);
        var all = Make(convAlgorithms: [KernelAlgorithms.ImplicitGemm, KernelAlgorithms.Gemm1x1, KernelAlgorithms.Depthwise, KernelAlgorithms.WinogradF2]);
        var tp = TargetProgram.Run(pb.Program, all, KernelPipelines.Standard());
        Assert.Equal([KernelAlgorithms.WinogradF2, KernelAlgorithms.Gemm1x1, KernelAlgorithms.ImplicitGemm, KernelAlgorithms.Depthwise, KernelAlgorithms.ImplicitGemm],
            tp.Program.Kernels.Select(k => k.Algorithm));
        // A target with only the fallback gets it everywhere; the lowered program itself is never changed.
        var plain = TargetProgram.Run(pb.Program, Make(), KernelPipelines.Standard());
        Assert.All(plain.Program.Kernels, k => Assert.Equal(KernelAlgorithms.Direct, k.Algorithm));
        Assert.All(pb.Program.Kernels, k => Assert.Equal(KernelAlgorithms.Direct, k.Algorithm));
    }

    [Fact]
    public void Winograd_variant_is_the_one_with_fewer_multiplies_and_only_where_it_pays()
    {
        var pb = new ProgramBuilder();
        var big = Conv(pb, pb.Input("big", F, [1, 32, 28, 28]), 32, 3);         // F(4×4): 36·7·8 / 28² = 2.6 multiplies per output
        var seven = Conv(pb, pb.Input("seven", F, [1, 32, 7, 7]), 32, 3);       // F(2×2): 16·4·4 / 7² = 5.2 (F(4×4) 5.9, rows rounded to 4 tiles)
        var tiny = Conv(pb, pb.Input("tiny", F, [1, 32, 3, 3]), 32, 3);         // F(2×2) 16·2·4 / 3² = 14 > 9: implicit GEMM
        var x = pb.Input("dyn", F, [1, 32, 28, 28]);
        var dyn = new ConvKernel(1, [1, 1], [1, 1, 1, 1], [1, 1], false, null, 2)   // weight computed at run time: nothing to transform
        {
            Inputs = [x, pb.Input("w", F, [32, 32, 3, 3])],
            Outputs = [pb.Act(F, 1, 32, 28, 28)],
        };
        foreach (var k in new[] { big, seven, tiny, dyn })
        {
            pb.Add(k);
            pb.Output($"y{pb.Program.Outputs.Count}", k.Output);
        }
        var target = Make(convAlgorithms: [KernelAlgorithms.ImplicitGemm, KernelAlgorithms.WinogradF4, KernelAlgorithms.WinogradF2]);
        var tp = TargetProgram.Run(pb.Program, target, KernelPipelines.Standard());
        Assert.Equal([KernelAlgorithms.WinogradF4, KernelAlgorithms.WinogradF2, KernelAlgorithms.ImplicitGemm, KernelAlgorithms.ImplicitGemm],
            tp.Program.Kernels.Select(k => k.Algorithm));
        Assert.Equal(2.25, ChooseAlgorithms.WinogradMultiplies(4, 16, 16, 4));
    }

    [Fact]
    public void Layouts_meet_only_at_the_edges_of_a_layout_aware_chain()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [1, 8, 6, 6]);
        var a = Conv(pb, x, 8, 3);
        pb.Add(a);
        var r = pb.Act(F, 1, 8, 6, 6);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Relu, Expr.In(0, F))) { Inputs = [a.Output], Outputs = [r] });
        // Residual epilogue operand: the conv's own input x (NCHW at the edge) joins in the conv's layout.
        var b = Conv(pb, r, 8, 3, epilogue: Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)), extra: a.Output);
        pb.Add(b);
        pb.Output("y", b.Output);

        var tp = TargetProgram.Run(pb.Program, Make(nhwc: true), KernelPipelines.Standard());
        var ks = tp.Program.Kernels;
        var conversions = ks.OfType<CopyKernel>().ToList();
        // x → NHWC once; the output back to NCHW once; nothing in between (the relu follows its NHWC input).
        Assert.Equal(2, conversions.Count);
        Assert.Equal("layout: NCHW→NHWC", conversions[0].Origin);
        Assert.Equal("layout: NHWC→NCHW", conversions[^1].Origin);
        Assert.IsType<CopyKernel>(ks[^1]);
        Assert.All(ks.Where(k => k is not CopyKernel), k => Assert.Equal(ActivationLayout.Nhwc, k.Layout));
        Assert.All(ks.OfType<ConvKernel>(), c => Assert.Equal([1, 6, 6, 8], c.Output.Shape));
        Assert.Equal(tp.Program.Outputs[0].KernelBuffer, ks[^1].Output);
        Assert.Equal([1, 8, 6, 6], tp.Program.Outputs[0].KernelBuffer.Shape);

        // The two conversions are inverse transposes (checked with the reference copy kernel).
        var there = AssignLayouts.Convert(x, new KernelBuffer(100, F, [1, 6, 6, 8], BufferKind.Activation), toNhwc: true);
        var p2 = new KernelProgram();
        var i = p2.NewBuffer(F, [1, 8, 6, 6], BufferKind.Input);
        var mid = p2.NewBuffer(F, [1, 6, 6, 8], BufferKind.Activation);
        var o = p2.NewBuffer(F, [1, 8, 6, 6], BufferKind.Output);
        p2.Kernels.Add(AssignLayouts.Convert(i, mid, toNhwc: true));
        p2.Kernels.Add(AssignLayouts.Convert(mid, o, toNhwc: false));
        p2.Outputs.Add(new ProgramIO("mid", F, [.. mid.Shape.Select(d => Dim.Of(d))], mid));
        p2.Outputs.Add(new ProgramIO("o", F, [.. o.Shape.Select(d => Dim.Of(d))], o));
        p2.Inputs.Add(new ProgramIO("i", F, [.. i.Shape.Select(d => Dim.Of(d))], i));
        var input = Enumerable.Range(0, 288).Select(v => (double)v).ToArray();
        var ran = KernelReference.Run(p2, new Dictionary<string, Tensor> { ["i"] = Tensor.FromDoubles(F, i.Shape, input) });
        Assert.Equal(input, ran["o"].ToDoubles());
        Assert.Equal(36.0, ran["mid"].ToDoubles()[1]);   // NHWC element (n0, h0, w0, c1) is NCHW element c1·(6·6)
        Assert.Equal([0, 2, 3, 1], there.InAxis);
    }

    [Fact]
    public void Nchw_targets_get_the_program_unchanged_and_plans_follow_the_target_alignment()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [1, 4, 5, 5]);
        var a = Conv(pb, x, 4, 3);
        pb.Add(a);
        var p = pb.Act(F, 1, 4, 5, 5);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Neg, Expr.In(0, F))) { Inputs = [a.Output], Outputs = [p] });
        pb.Output("y", p);
        var tp = TargetProgram.Run(pb.Program, Make(alignment: 256), KernelPipelines.Standard());
        Assert.Equal(pb.Program.Kernels.Count, tp.Program.Kernels.Count);
        Assert.All(tp.RequirePlan().Offsets.Values, off => Assert.Equal(0, off % 256));
        Assert.Equal(256, tp.RequirePlan().Alignment);
        Assert.Equal(["split-large-weights", "choose-algorithms", "assign-layouts", "plan-memory"], tp.Passes.Select(r => r.Pass));
    }

    private sealed class TransposeMatMulWeights : PackWeights
    {
        public override string Name => "pack-test";

        protected override (Tensor Packed, string Form)? Pack(Kernel k, Tensor weight)
        {
            if (k is not MatMulKernel || weight.Rank != 2)
            {
                return null;
            }
            int r = weight.Shape[0], c = weight.Shape[1];
            var v = weight.ToDoubles();
            var t = new double[v.Length];
            for (int i = 0; i < r; i++)
            {
                for (int j = 0; j < c; j++)
                {
                    t[j * r + i] = v[i * c + j];
                }
            }
            return (Tensor.FromDoubles(weight.DataType, [c, r], t), "kn-transposed");
        }
    }

    [Fact]
    public void Packed_weights_replace_the_original_once_and_only_where_the_target_allows_it()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 3]);
        var w = pb.Weight(F, [3, 4]);
        var y1 = pb.Act(F, 2, 4);
        var y2 = pb.Act(F, 2, 4);
        pb.Add(new MatMulKernel(false, null, 2) { Inputs = [x, w], Outputs = [y1] });
        pb.Add(new MatMulKernel(false, null, 2) { Inputs = [x, w], Outputs = [y2] });
        pb.Output("a", y1);
        pb.Output("b", y2);
        var packs = KernelPipelines.WithPacking(new TransposeMatMulWeights());

        var tp = TargetProgram.Run(pb.Program, Make(repack: true), packs);
        var ks = tp.Program.Kernels;
        Assert.Same(ks[0].Inputs[1], ks[1].Inputs[1]);
        Assert.Equal([4, 3], ks[0].Inputs[1].Shape);
        Assert.Equal("kn-transposed", ks[0].WeightLayout);
        Assert.DoesNotContain(tp.Program.Buffers, b => b.Kind == BufferKind.Weight && b.Shape.SequenceEqual([3, 4]));   // compacted away

        var off = TargetProgram.Run(pb.Program, Make(repack: false), packs);
        Assert.All(off.Program.Kernels, k => Assert.Null(k.WeightLayout));
    }

    [Fact]
    public void Every_registered_backend_describes_a_sane_target()
    {
        Assert.NotEmpty(BackendRegistry.All);
        foreach (var b in BackendRegistry.All)
        {
            var t = b.Target;
            Assert.Equal(b.Name, t.Name);
            Assert.True(t.BufferAlignment >= 16 && (t.BufferAlignment & (t.BufferAlignment - 1)) == 0, $"{b.Name}: alignment {t.BufferAlignment}");
            Assert.True(t.MaxStorageBuffersPerKernel >= 2, b.Name);
            Assert.True(t.StoredTypes.IsSupersetOf(Target.BasicTypes), $"{b.Name} must store what lowering emits");
            Assert.Equal("plan-memory", b.KernelPasses[^1].Name);
        }
        var meet = BackendRegistry.TargetFor(null);
        Assert.Equal(BackendRegistry.All.Min(b => b.Target.MaxStorageBuffersPerKernel), meet.MaxStorageBuffersPerKernel);
    }
}
