using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;
using WebDnn.Lowering;

namespace WebDnn.Tests.Backends;

/// <summary>
/// Generated JS kernels on hand-picked cases, run in Node through the bundled webdnn.mjs, against <see cref="KernelReference"/>
/// (<see cref="BackendHarness"/>); random shapes are in <see cref="PrimitiveRandomShapeTests"/>.
/// </summary>
public sealed class JsBackendTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-js-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static readonly DataType F = DataType.Float32, I = DataType.Int32, B = DataType.Bool;

    private string Check(ProgramBuilder pb)
    {
        string pkg = Path.Combine(_dir, "pkg");
        BackendHarness.AssertMatchesReference("js", pb, pkg);
        return pkg;
    }

    [Fact]
    public void Elementwise_broadcast_chain_through_planned_activations()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 3, 4]);
        var y = pb.Input("y", F, [3, 1]);
        var s = pb.Weight(F, [1]);
        var t1 = pb.Act(F, 2, 3, 4);
        var t2 = pb.Act(F, 2, 3, 4);
        var o = pb.Act(F, 2, 3, 4);
        pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F))) { Inputs = [x, y], Outputs = [t1] });
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Relu, Expr.Bin(BinaryOp.Mul, Expr.In(0, F), Expr.In(1, F)))) { Inputs = [t1, s], Outputs = [t2] });
        var t2r = pb.Alias(t2, 6, 4);
        var o2 = pb.Act(F, 6, 4);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Neg, Expr.In(0, F))) { Inputs = [t2r], Outputs = [o2] });
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Sigmoid, Expr.In(0, F))) { Inputs = [t2], Outputs = [o] });
        pb.Output("out", o);
        pb.Output("neg", o2);
        Check(pb);
    }

    [Fact]
    public void Elementwise_scalar_semantics_match_the_reference()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [4, 16], gen: r => Math.Round(r.NextDouble() * 8 - 4, 1));
        var n = pb.Input("n", I, [16], gen: r => r.Next(-7, 8));
        var m = pb.Input("m", I, [4, 1], gen: r => r.Next(-3, 4));
        var xf = Expr.In(0, F);
        var ni = Expr.In(1, I);
        var mi = Expr.In(2, I);
        var kernels = new (Expr E, DataType T)[]
        {
            (Expr.Un(UnaryOp.Round, xf), F),
            (Expr.Bin(BinaryOp.Mod, xf, Expr.Const(1.5, F)), F),
            (Expr.Bin(BinaryOp.FMod, xf, Expr.Const(-1.5, F)), F),
            (Expr.Un(UnaryOp.Erf, xf), F),
            (Expr.Un(UnaryOp.Softplus, xf), F),
            (Expr.Un(UnaryOp.Tanh, xf), F),
            (Expr.Bin(BinaryOp.Pow, Expr.Un(UnaryOp.Abs, xf), Expr.Const(0.5, F)), F),
            (Expr.Select(Expr.Bin(BinaryOp.Less, xf, Expr.Const(0, F)), Expr.Cast(ni, F), xf), F),
            (Expr.Bin(BinaryOp.Div, ni, mi), I),
            (Expr.Bin(BinaryOp.Mod, ni, mi), I),
            (Expr.Bin(BinaryOp.Mul, ni, Expr.Const(123456789, I)), I),
            (Expr.Cast(Expr.Bin(BinaryOp.Mul, xf, Expr.Const(3.7, F)), I), I),
            (Expr.Bin(BinaryOp.ShiftRight, Expr.Un(UnaryOp.Abs, ni), Expr.Const(1, I)), I),
            (Expr.Bin(BinaryOp.Xor, Expr.Bin(BinaryOp.Greater, xf, Expr.Const(0, F)), Expr.Bin(BinaryOp.Equal, ni, mi)), B),
            (Expr.Un(UnaryOp.Not, Expr.Cast(xf, B)), B),
        };
        for (int i = 0; i < kernels.Length; i++)
        {
            var o = pb.Act(kernels[i].T, 4, 16);
            pb.Add(new ElementwiseKernel(kernels[i].E) { Inputs = [x, n, m], Outputs = [o] });
            pb.Output($"o{i}", o);
        }
        Check(pb);
    }

    [Fact]
    public void Copy_transpose_and_every_pad_mode()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 3, 4]);
        // Transpose to [4, 2, 3].
        var t = pb.Act(F, 4, 2, 3);
        pb.Add(new CopyKernel([4, 2, 3], [2, 3, 4], [2, 0, 1], [1, 1, 1], [0, 0, 0], 0, [6, 3, 1], PadMode.None, 0) { Inputs = [x], Outputs = [t] });
        pb.Output("transpose", t);
        // Pad the last two axes by (2 before, 3 after) in each mode.
        foreach (var mode in new[] { PadMode.Constant, PadMode.Reflect, PadMode.Edge, PadMode.Wrap })
        {
            var p = pb.Act(F, 2, 8, 9);
            pb.Add(new CopyKernel([2, 8, 9], [2, 3, 4], [0, 1, 2], [1, 1, 1], [0, -2, -2], 0, [72, 9, 1], mode, 0.5) { Inputs = [x], Outputs = [p] });
            pb.Output($"pad_{mode}", p);
        }
        // Reversed slice with step -2 written into the second half of a concat buffer.
        var cat = pb.Act(F, 2, 2, 4);
        pb.Add(new CopyKernel([2, 1, 4], [2, 3, 4], [0, 1, 2], [1, -2, 1], [0, 2, 0], 4, [8, 4, 1], PadMode.None, 0) { Inputs = [x], Outputs = [cat] });
        pb.Add(new CopyKernel([2, 1, 4], [2, 3, 4], [0, 1, 2], [1, 1, 1], [0, 0, 0], 0, [8, 4, 1], PadMode.None, 0) { Inputs = [x], Outputs = [cat] });
        pb.Output("concat", cat);
        Check(pb);
    }

    [Fact]
    public void Gather_and_gather_elements_with_negative_indices()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [3, 5, 2]);
        var idx = pb.Input("idx", I, [2, 3], gen: r => r.Next(-5, 5));
        var g = pb.Act(F, 3, 2, 3, 2);
        pb.Add(new GatherKernel(1) { Inputs = [x, idx], Outputs = [g] });
        pb.Output("gather", g);
        var ei = pb.Input("ei", I, [3, 4, 2], gen: r => r.Next(-5, 5));
        var ge = pb.Act(F, 3, 4, 2);
        pb.Add(new GatherElementsKernel(1) { Inputs = [x, ei], Outputs = [ge] });
        pb.Output("gather_elements", ge);
        Check(pb);
    }

    [Fact]
    public void MatMul_batched_broadcast_bias_and_epilogue()
    {
        var pb = new ProgramBuilder();
        var a = pb.Input("a", F, [2, 1, 7, 9]);
        var b = pb.Weight(F, [3, 9, 300]);
        var bias = pb.Weight(F, [300]);
        var res = pb.Input("res", F, [7, 300]);
        var o = pb.Act(F, 2, 3, 7, 300);
        var epi = Expr.Un(UnaryOp.Relu, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)));
        pb.Add(new MatMulKernel(true, epi, 3) { Inputs = [a, b, bias, res], Outputs = [o] });
        pb.Output("y", o);
        var v = pb.Input("v", F, [9]);
        var mv = pb.Act(F, 7);
        var a2 = pb.Input("a2", F, [7, 9]);
        pb.Add(new MatMulKernel(false, null, 2) { Inputs = [a2, v], Outputs = [mv] });
        pb.Output("mv", mv);
        Check(pb);
    }

    [Theory]
    [InlineData(1, 1, 0, 1)]
    [InlineData(2, 2, 1, 1)]
    [InlineData(1, 2, 2, 2)]
    [InlineData(4, 1, 1, 1)]
    public void Conv2d(int group, int stride, int pad, int dilation)
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 4, 9, 8]);
        var w = pb.Weight(F, [8, 4 / group, 3, 3]);
        var bias = pb.Weight(F, [8]);
        int oh = (9 + 2 * pad - dilation * 2 - 1) / stride + 1, ow = (8 + pad + 1 - dilation * 2 - 1) / stride + 1;
        var res = pb.Input("res", F, [1, 8, 1, ow]);
        var o = pb.Act(F, 2, 8, oh, ow);
        var epi = Expr.Bin(BinaryOp.Mul, Expr.Un(UnaryOp.Sigmoid, Expr.In(0, F)), Expr.In(1, F));
        pb.Add(new ConvKernel(group, [stride, stride], [pad, pad, pad, 1], [dilation, dilation], true, epi, 3) { Inputs = [x, w, bias, res], Outputs = [o] });
        pb.Output("y", o);
        Check(pb);
    }

    [Fact]
    public void Conv1d_and_conv3d()
    {
        var pb = new ProgramBuilder();
        var x1 = pb.Input("x1", F, [1, 3, 11]);
        var w1 = pb.Weight(F, [5, 3, 4]);
        var o1 = pb.Act(F, 1, 5, 5);
        pb.Add(new ConvKernel(1, [2], [1, 0], [1], false, null, 2) { Inputs = [x1, w1], Outputs = [o1] });
        pb.Output("c1", o1);
        var x3 = pb.Input("x3", F, [1, 2, 4, 5, 3]);
        var w3 = pb.Weight(F, [3, 2, 2, 3, 2]);
        var o3 = pb.Act(F, 1, 3, 3, 5, 4);
        pb.Add(new ConvKernel(1, [1, 1, 1], [0, 1, 1, 0, 1, 1], [1, 1, 1], false, null, 2) { Inputs = [x3, w3], Outputs = [o3] });
        pb.Output("c3", o3);
        Check(pb);
    }

    [Theory]
    [InlineData(1, 2, 1)]
    [InlineData(2, 2, 0)]
    [InlineData(1, 1, 1)]
    public void ConvTranspose2d(int group, int stride, int pad)
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 4, 5, 4]);
        var w = pb.Weight(F, [4, 6 / group, 3, 3]);
        var bias = pb.Weight(F, [6]);
        int oh = (5 - 1) * stride - 2 * pad + 3 + 1, ow = (4 - 1) * stride - 2 * pad + 3;
        var o = pb.Act(F, 2, 6, oh, ow);
        pb.Add(new ConvTransposeKernel(group, [stride, stride], [pad, pad, pad, pad], [1, 1], true, Expr.Un(UnaryOp.Relu, Expr.In(0, F)), 3) { Inputs = [x, w, bias], Outputs = [o] });
        pb.Output("y", o);
        Check(pb);
    }

    [Fact]
    public void Pool_max_average_lp()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 3, 7, 6]);
        // ceil_mode-style output: 3x3 stride 2 pad 1 → 4x4 (last window runs past the padded extent).
        var cases = new (PoolKind K, bool Inc, int P)[] { (PoolKind.Max, false, 0), (PoolKind.Average, false, 0), (PoolKind.Average, true, 0), (PoolKind.Lp, false, 2), (PoolKind.Lp, false, 3) };
        foreach (var (kind, inc, p) in cases)
        {
            var o = pb.Act(F, 2, 3, 4, 4);
            pb.Add(new PoolKernel(kind, [3, 3], [2, 2], [1, 1, 1, 0], [1, 1], inc, p) { Inputs = [x], Outputs = [o] });
            pb.Output($"{kind}_{inc}_{p}", o);
        }
        var g = pb.Act(F, 2, 3, 1, 1);
        pb.Add(new PoolKernel(PoolKind.Average, [7, 6], [1, 1], [0, 0, 0, 0], [1, 1], false, 0) { Inputs = [x], Outputs = [g] });
        pb.Output("global", g);
        Check(pb);
    }

    [Fact]
    public void Reduce_every_kind()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [3, 4, 5], gen: r => Math.Round(r.NextDouble() * 2 + 0.1, 2));
        foreach (var kind in Enum.GetValues<ReduceKind>())
        {
            bool arg = kind is ReduceKind.ArgMax or ReduceKind.ArgMin;
            int[] axes = arg ? [1] : kind == ReduceKind.Sum ? [0, 2] : [2];
            int[] shape = [axes.Contains(0) ? 1 : 3, axes.Contains(1) ? 1 : 4, axes.Contains(2) ? 1 : 5];
            var o = pb.Act(arg ? I : F, shape);
            pb.Add(new ReduceKernel(kind, axes, kind == ReduceKind.ArgMin) { Inputs = [x], Outputs = [o] });
            pb.Output(kind.ToString(), o);
        }
        Check(pb);
    }

    [Fact]
    public void Softmax_and_norm()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2, 5, 3]);
        var s = pb.Act(F, 2, 5, 3);
        pb.Add(new SoftmaxKernel(2, 5, 3, false) { Inputs = [x], Outputs = [s] });
        pb.Output("softmax", s);
        var ls = pb.Act(F, 2, 5, 3);
        pb.Add(new SoftmaxKernel(10, 3, 1, true) { Inputs = [x], Outputs = [ls] });
        pb.Output("logsoftmax", ls);
        var scale = pb.Weight(F, [3]);
        var bias = pb.Weight(F, [3]);
        var ln = pb.Act(F, 2, 5, 3);
        pb.Add(new NormKernel(10, 3, 1e-5f, true, true, false, 0) { Inputs = [x, scale, bias], Outputs = [ln] });
        pb.Output("layernorm", ln);
        var cs = pb.Weight(F, [2]);
        var inorm = pb.Act(F, 2, 5, 3);
        pb.Add(new NormKernel(2, 15, 1e-3f, true, false, true, 2) { Inputs = [x, cs], Outputs = [inorm] });
        pb.Output("instnorm", inorm);
        Check(pb);
    }

    [Fact]
    public void Resize_gathers_and_weights_its_tap_tables()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [1, 2, 3, 4]);
        ResizeAxis Same(int n) => new(1, [.. Enumerable.Range(0, n)], [.. Enumerable.Repeat(1f, n)]);
        // Nearest: one tap of weight 1 per output (a pure gather), indices in any order.
        var n = pb.Act(F, 1, 2, 4, 5);
        pb.Add(new ResizeKernel([Same(1), Same(2), new(1, [0, 0, 2, 1], [1, 1, 1, 1]), new(1, [3, 0, 1, 1, 2], [1, 1, 1, 1, 1])], 0) { Inputs = [x], Outputs = [n] });
        pb.Output("nearest", n);
        // Two taps (linear) on one axis, four (cubic-like, negative weights) on the other.
        var l = pb.Act(F, 1, 2, 2, 3);
        pb.Add(new ResizeKernel([Same(1), Same(2), new(2, [0, 1, 1, 2], [0.25f, 0.75f, 0.5f, 0.5f]),
            new(4, [0, 0, 1, 2, 0, 1, 2, 3, 1, 2, 3, 3], [-0.1f, 0.6f, 0.6f, -0.1f, 0.2f, 0.3f, 0.3f, 0.2f, 0, 1, 0, 0])], 0)
        { Inputs = [x], Outputs = [l] });
        pb.Output("linear_cubic", l);
        // Output coordinates outside the source (tf_crop_and_resize) take the extrapolation value.
        var o = pb.Act(F, 1, 2, 3, 2);
        pb.Add(new ResizeKernel([Same(1), Same(2), new(2, [-1, -1, 0, 1, 2, 2], [0, 0, 0.5f, 0.5f, 1, 0]), new(1, [3, -1], [1, 0])], 7.5f) { Inputs = [x], Outputs = [o] });
        pb.Output("outside", o);
        Check(pb);
    }

    [Fact]
    public void Int64_and_bool_cross_the_boundary()
    {
        var pb = new ProgramBuilder();
        var a = pb.Input("a", I, [5], DataType.Int64, r => r.Next(-100, 100));
        var m = pb.Input("mask", B, [5], gen: r => r.Next(2));
        var o = pb.Act(I, 5);
        pb.Add(new ElementwiseKernel(Expr.Select(Expr.In(1, B), Expr.Bin(BinaryOp.Mul, Expr.In(0, I), Expr.Const(3, I)), Expr.In(0, I))) { Inputs = [a, m], Outputs = [o] });
        pb.Output("out", o, DataType.Int64);
        var nb = pb.Act(B, 5);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Not, Expr.In(0, B))) { Inputs = [m], Outputs = [nb] });
        pb.Output("not", nb);
        string pkg = Check(pb);
        // Out-of-range int64 values are refused, not wrapped.
        var inputs = pb.RawInputs();
        inputs["a"] = ProgramBuilder.Raw(DataType.Int64, [5], [1, 2, 3, 4, 1L << 40]);
        var r = NodeRunner.Run(pkg, inputs);
        Assert.False(r.Ok);
        Assert.Contains("'a'[4]", r.Error);
    }
}
