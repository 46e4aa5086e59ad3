using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering;
using WebDnn.Ops;
using static WebDnn.Tests.Ops.ElementwiseTestHelpers;

namespace WebDnn.Tests.Ops;

/// <summary>
/// The NN ops' lowerings: which primitive each emits and with what resolved parameters (pads from auto_pad, ceil_mode
/// output sizes, softmax views, folded Gemm/BatchNorm constants). Where a lowering is itself elementwise or a copy,
/// it is executed and compared with the reference evaluator.
/// </summary>
public sealed class NnLoweringTests
{
    private static KernelProgram Lower(string text) => Lowerer.Lower(Infer(text));

    private static T Single<T>(KernelProgram p) where T : Kernel => Assert.Single(p.Kernels.OfType<T>());

    [Fact]
    public void Conv_ResolvesSamePadsAndPassesEpilogueOperands()
    {
        var p = Lower("""
            input %x: f32[1,3,8,8]
            input %r: f32[1,4,4,4]
            const %w: f32[4,3,3,3] = random
            const %b: f32[4] = random
            %y = Conv(%x, %w, %b, %r) {strides=[2,2], auto_pad="SAME_UPPER", webdnn.epilogue=Relu(Add(in0, in1)), webdnn.epilogue_first=3}
            output %y
            """);
        var k = Single<ConvKernel>(p);
        // out = ceil(8 / 2) = 4; total padding (4-1)·2 + 3 - 8 = 1, the odd element at the end.
        Assert.Equal([0, 0, 1, 1], k.Pads);
        Assert.True(k.HasBias);
        Assert.Equal(4, k.Inputs.Length);
        Assert.Equal(3, k.EpilogueFirstInput);
        Assert.Equal("Relu(Add(in0, in1))", k.Epilogue!.ToString());
        Assert.Equal([1, 4, 4, 4], k.Output.Shape);
    }

    [Fact]
    public void Pools_CeilModeAndGlobalWindow()
    {
        var mp = Single<PoolKernel>(Lower("""
            input %x: f32[1,2,6,6]
            %y = MaxPool(%x) {kernel_shape=[3,3], strides=[2,2], ceil_mode=1}
            output %y
            """));
        Assert.Equal(PoolKind.Max, mp.Kind);
        Assert.Equal([1, 2, 3, 3], mp.Output.Shape);
        var gp = Single<PoolKernel>(Lower("""
            input %x: f32[1,2,5,7]
            %y = GlobalAveragePool(%x)
            output %y
            """));
        Assert.Equal([5, 7], gp.KernelShape);
        Assert.Equal([1, 2, 1, 1], gp.Output.Shape);
    }

    [Fact]
    public void Gemm_FoldsConstantTransposeAlphaAndBeta()
    {
        var p = Lower("""
            input %a: f32[2,3]
            const %b: f32[4,3] = [1,2,3,4,5,6,7,8,9,10,11,12]
            const %c: f32[4] = [1,2,3,4]
            %y = Gemm(%a, %b, %c) {transB=1, alpha=2.0, beta=0.5}
            output %y
            """);
        var k = Single<MatMulKernel>(p);
        Assert.Empty(p.Kernels.OfType<CopyKernel>());
        Assert.True(k.HasBias);
        Assert.Null(k.Epilogue);
        Assert.Equal([3, 4], k.Inputs[1].Shape);
        Assert.Equal(new float[] { 2, 8, 14, 20, 4, 10, 16, 22, 6, 12, 18, 24 }, k.Inputs[1].Weight!.Floats);
        Assert.Equal(new float[] { 0.5f, 1, 1.5f, 2 }, k.Inputs[2].Weight!.Floats);
    }

    [Fact]
    public void Gemm_RuntimeOperandsUseCopyTransposeAndEpilogue()
    {
        var p = Lower("""
            input %a: f32[3,2]
            input %b: f32[4,3]
            input %c: f32[2,4]
            %y = Gemm(%a, %b, %c) {transA=1, transB=1, alpha=3.0, beta=2.0}
            output %y
            """);
        Assert.Equal(2, p.Kernels.OfType<CopyKernel>().Count());
        var k = Single<MatMulKernel>(p);
        Assert.False(k.HasBias);
        Assert.Equal(2, k.EpilogueFirstInput);
        Assert.Equal(3, k.Inputs.Length);
        Assert.Equal("Add(Mul(in0, 3), Mul(in1, 2))", k.Epilogue!.ToString());
        // The transposes, run with the copy primitive's reference semantics, are real transposes.
        var copy = p.Kernels.OfType<CopyKernel>().First();
        var a = Tensor.FromFloats([3, 2], [1, 2, 3, 4, 5, 6]);
        var at = Tensor.Zeros(DataType.Float32, copy.Output.Shape);
        CopyReference.Run(copy, a, at);
        Assert.Equal(new float[] { 1, 3, 5, 2, 4, 6 }, at.Floats);
    }

    [Fact]
    public void BatchNormalization_ConstantStatsFoldIntoScaleAndBias()
    {
        const string text = """
            input %x: f32[1,2,2,2]
            const %s: f32[2] = [2.0,0.5]
            const %b: f32[2] = [1.0,-1.0]
            const %m: f32[2] = [0.5,2.0]
            const %v: f32[2] = [4.0,0.25]
            %y = BatchNormalization(%x, %s, %b, %m, %v)
            output %y
            """;
        var p = Lower(text);
        var k = Single<ElementwiseKernel>(p);
        Assert.Equal(3, k.Inputs.Length);
        Assert.Equal([2, 1, 1], k.Inputs[1].Shape);
        var x = F32([1, 2, 2, 2], 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f);
        var expected = Eval(text, x);
        // Execute the elementwise kernel: out = in0 · in1 + in2 with per-channel operands.
        var ins = new[] { x, k.Inputs[1].Weight!, k.Inputs[2].Weight! };
        var vals = new double[3];
        var actual = new double[x.Length];
        Shapes.ForEachBroadcast(x.Shape, ins.Select(t => t.Shape).ToArray(), (o, offs) =>
        {
            for (int i = 0; i < 3; i++)
            {
                vals[i] = ins[i].GetDouble(offs[i]);
            }
            actual[o] = ExprEvaluator.Eval(k.Body, vals);
        });
        // One f32 rounding of scale' and bias' plus the product: 1e-6 relative.
        Close(actual, expected, 1e-6, 1e-6);
    }

    [Fact]
    public void Softmax_ViewFollowsOpset()
    {
        var old = Single<SoftmaxKernel>(Lower("""
            opset 11
            input %x: f32[2,3,4]
            %y = Softmax(%x) {axis=1}
            output %y
            """));
        Assert.Equal((2, 12, 1, false), (old.Outer, old.N, old.Inner, old.Log));
        var v13 = Single<SoftmaxKernel>(Lower("""
            opset 13
            input %x: f32[2,3,4]
            %y = LogSoftmax(%x) {axis=1}
            output %y
            """));
        Assert.Equal((2, 3, 4, true), (v13.Outer, v13.N, v13.Inner, v13.Log));
    }

    [Fact]
    public void Norms_And_Reduce_And_Resize()
    {
        var ln = Single<NormKernel>(Lower("""
            input %x: f32[2,5,8]
            const %s: f32[8] = random
            const %b: f32[8] = random
            %y = LayerNormalization(%x, %s, %b) {axis=-1}
            output %y
            """));
        Assert.Equal((10, 8, false, true), (ln.Outer, ln.N, ln.PerChannel, ln.HasBias));
        var inorm = Single<NormKernel>(Lower("""
            input %x: f32[2,3,4,4]
            const %s: f32[3] = random
            const %b: f32[3] = random
            %y = InstanceNormalization(%x, %s, %b)
            output %y
            """));
        Assert.Equal((6, 16, true, 3), (inorm.Outer, inorm.N, inorm.PerChannel, inorm.Channels));
        var rk = Single<ReduceKernel>(Lower("""
            opset 18
            input %x: f32[2,3,4]
            const %a: i64[2] = [-1,0]
            %y = ReduceMean(%x, %a) {keepdims=0}
            output %y
            """));
        Assert.Equal(ReduceKind.Mean, rk.Kind);
        Assert.Equal([0, 2], rk.Axes);
        Assert.Equal([3], rk.Output.Shape);
        var rs = Single<ResizeKernel>(Lower("""
            opset 13
            input %x: f32[1,3,4,4]
            const %sz: i64[4] = [1,3,8,6]
            %y = Resize(%x, _, _, %sz) {mode="linear"}
            output %y
            """));
        // Axes 0 and 1 are not resized; half_pixel linear taps are precomputed: output 0 of axis 2 maps to -0.25
        // (both taps clamp to input 0), output 1 to 0.25.
        Assert.True(rs.Axes[0].IsIdentity(1) && rs.Axes[1].IsIdentity(3));
        Assert.Equal((2, 8, 2, 6), (rs.Axes[2].Taps, rs.Axes[2].OutLength, rs.Axes[3].Taps, rs.Axes[3].OutLength));
        Assert.Equal([0, 0, 0, 1], rs.Axes[2].Index[..4]);
        Assert.Equal([0.25f, 0.75f, 0.75f, 0.25f], rs.Axes[2].Weight[..4]);
    }
}
