using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>The wasm row kernels (norm, softmax, log-softmax) and the broadcast matmul epilogue, each checked to run as wasm.</summary>
public sealed partial class WasmBackendTests
{
    [Theory]
    [InlineData(3, 1, false)]
    [InlineData(4, 7, false)]
    [InlineData(6, 33, true)]
    [InlineData(2, 256, true)]
    public void Norm_layer_and_instance(int outer, int n, bool perChannel)
    {
        var pb = new ProgramBuilder();
        int channels = perChannel ? 3 : 0;
        outer = perChannel ? outer * channels : outer;
        var x = pb.Input("x", F, [outer, n], gen: r => r.NextDouble() * 6 - 2);
        var scale = pb.Weight(F, [perChannel ? channels : n]);
        var bias = pb.Weight(F, [perChannel ? channels : n]);
        var o = pb.Act(F, outer, n);
        pb.Add(new NormKernel(outer, n, 1e-5f, true, true, perChannel, channels) { Inputs = [x, scale, bias], Outputs = [o] });
        pb.Output("y", o);
        var o2 = pb.Act(F, outer, n);
        pb.Add(new NormKernel(outer, n, 1e-3f, false, true, perChannel, channels) { Inputs = [x, bias], Outputs = [o2] });
        pb.Output("bias_only", o2);
        Check(pb, expectNative: 2);
    }

    [Theory]
    [InlineData(2, 1, 1)]
    [InlineData(3, 5, 1)]
    [InlineData(2, 64, 1)]
    [InlineData(2, 7, 3)]
    [InlineData(1, 4, 9)]
    [InlineData(3, 130, 1)]
    [InlineData(2, 33, 6)]
    public void Softmax_and_log_softmax_last_axis_and_inner(int outer, int n, int inner)
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [outer, n, inner], gen: r => r.NextDouble() * 40 - 20);
        var o = pb.Act(F, outer, n, inner);
        pb.Add(new SoftmaxKernel(outer, n, inner, false) { Inputs = [x], Outputs = [o] });
        pb.Output("y", o);
        var lo = pb.Act(F, outer, n, inner);
        pb.Add(new SoftmaxKernel(outer, n, inner, true) { Inputs = [x], Outputs = [lo] });
        pb.Output("log", lo);
        Check(pb, expectNative: 2);
    }

    [Fact]
    public void MatMul_epilogue_operands_broadcast_per_column_row_and_batch()
    {
        var pb = new ProgramBuilder();
        var a = pb.Input("a", F, [2, 3, 5, 9]);
        var b = pb.Input("b", F, [2, 3, 9, 11]);
        var mask = pb.Input("mask", F, [2, 1, 5, 11]);
        var col = pb.Weight(F, [11]);
        var row = pb.Input("row", F, [5, 1]);
        var o = pb.Act(F, 2, 3, 5, 11);
        var epi = Expr.Bin(BinaryOp.Mul, Expr.Bin(BinaryOp.Add, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)), Expr.In(2, F)), Expr.In(3, F));
        pb.Add(new MatMulKernel(false, epi, 2) { Inputs = [a, b, mask, col, row], Outputs = [o] });
        pb.Output("y", o);
        // a bias fused as in0 + in1 with in1 [N], GELU through erf (as BERT's dense layers lower)
        var a2 = pb.Input("a2", F, [1, 7, 6]);
        var w = pb.Weight(F, [6, 13]);
        var bias = pb.Weight(F, [13]);
        var o2 = pb.Act(F, 1, 7, 13);
        var x = Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F));
        var gelu = Expr.Bin(BinaryOp.Mul, Expr.Bin(BinaryOp.Mul, x, Expr.Const(0.5, F)),
            Expr.Bin(BinaryOp.Add, Expr.Un(UnaryOp.Erf, Expr.Bin(BinaryOp.Div, x, Expr.Const(Math.Sqrt(2), F))), Expr.Const(1, F)));
        pb.Add(new MatMulKernel(false, gelu, 2) { Inputs = [a2, w, bias], Outputs = [o2] });
        pb.Output("gelu", o2);
        Check(pb, expectNative: 2);
    }

    [Fact]
    public void Elementwise_log_over_wide_range_and_special_values()
    {
        var pb = new ProgramBuilder();
        double[] special = [0, -0.0, 1e-40, 3e-39, -1, double.PositiveInfinity, double.NegativeInfinity, double.NaN, 1, 0.7071, 0.7072, 1.4142];
        int i = 0;
        var x = pb.Input("x", F, [5, 23], gen: r => i < special.Length ? special[i++] : Math.Exp(r.NextDouble() * 160 - 80));
        var o = pb.Act(F, 5, 23);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Log, Expr.In(0, F))) { Inputs = [x], Outputs = [o] });
        pb.Output("log", o);
        Check(pb, expectNative: 1);
    }

    [Fact]
    public void Elementwise_erf_and_selects_on_masks()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [3, 37], gen: r => r.Next(10) == 0 ? double.NaN : r.NextDouble() * 8 - 4);
        var y = pb.Input("y", F, [3, 37]);
        var xe = Expr.In(0, F);
        var ye = Expr.In(1, F);
        var erf = pb.Act(F, 3, 37);
        pb.Add(new ElementwiseKernel(Expr.Un(UnaryOp.Erf, xe)) { Inputs = [x], Outputs = [erf] });
        pb.Output("erf", erf);
        // Where(IsNaN(x), 0, x) and Where(x < y && !(x == 1), x, y)
        var nan = pb.Act(F, 3, 37);
        pb.Add(new ElementwiseKernel(Expr.Select(Expr.Un(UnaryOp.IsNaN, xe), Expr.Const(0, F), xe)) { Inputs = [x], Outputs = [nan] });
        pb.Output("nan", nan);
        var sel = pb.Act(F, 3, 37);
        var cond = Expr.Bin(BinaryOp.And, Expr.Bin(BinaryOp.Less, xe, ye), Expr.Un(UnaryOp.Not, Expr.Bin(BinaryOp.Equal, xe, Expr.Const(1, F))));
        pb.Add(new ElementwiseKernel(Expr.Select(cond, xe, ye)) { Inputs = [x, y], Outputs = [sel] });
        pb.Output("sel", sel);
        Check(pb, expectNative: 3);
    }
}

/// <summary>The wasm copy kernel: transposes, concat blocks, slices and pads in every mode.</summary>
public sealed partial class WasmBackendTests
{
    [Theory]
    [InlineData(PadMode.Reflect, 0)]
    [InlineData(PadMode.Edge, 0)]
    [InlineData(PadMode.Wrap, 0)]
    [InlineData(PadMode.Constant, 0)]
    [InlineData(PadMode.Constant, 2.5)]
    public void Copy_pad_every_mode_outer_and_inner_axes(PadMode mode, double value)
    {
        var pb = new ProgramBuilder();
        int[] xs = [2, 3, 6, 7];
        var x = pb.Input("x", F, xs);
        // pads (before, after): none on N, 1/0 on C, 4/3 on H, 5/2 on W (reflect needs pads below the axis length)
        int[] before = [0, 1, 4, 5], after = [0, 0, 3, 2];
        var shape = xs.Select((d, a) => d + before[a] + after[a]).ToArray();
        var o = pb.Act(F, shape);
        pb.Add(new CopyKernel(shape, xs, [0, 1, 2, 3], [1, 1, 1, 1], [.. before.Select(b => -b)], 0, Tensor.Strides(shape), mode, value) { Inputs = [x], Outputs = [o] });
        pb.Output("y", o);
        // a 20-wide constant/edge pad on the row (runs of fills longer than the unrolled ones)
        int[] wide = [2, 3, 6, 7 + 40];
        var o2 = pb.Act(F, wide);
        pb.Add(new CopyKernel(wide, xs, [0, 1, 2, 3], [1, 1, 1, 1], [0, 0, 0, -20], 0, Tensor.Strides(wide), mode == PadMode.Reflect ? PadMode.Edge : mode, value)
        { Inputs = [x], Outputs = [o2] });
        pb.Output("wide", o2);
        Check(pb, expectNative: 2);
    }

    [Fact]
    public void Copy_transpose_concat_slice_and_broadcast()
    {
        var pb = new ProgramBuilder();
        int[] xs = [1, 6, 4, 5];
        var x = pb.Input("x", F, xs);
        // attention's [1, S, H, D] -> [1, H, S, D] (contiguous rows) and NCHW -> NHWC (strided rows)
        int[] perm = [0, 2, 1, 3];
        int[] ts = [.. perm.Select(p => xs[p])];
        var t = pb.Act(F, ts);
        pb.Add(new CopyKernel(ts, xs, perm, [1, 1, 1, 1], [0, 0, 0, 0], 0, Tensor.Strides(ts), PadMode.None, 0) { Inputs = [x], Outputs = [t] });
        pb.Output("t", t);
        int[] nhwc = [0, 2, 3, 1];
        int[] hs = [.. nhwc.Select(p => xs[p])];
        var h = pb.Act(F, hs);
        pb.Add(new CopyKernel(hs, xs, nhwc, [1, 1, 1, 1], [0, 0, 0, 0], 0, Tensor.Strides(hs), PadMode.None, 0) { Inputs = [x], Outputs = [h] });
        pb.Output("nhwc", h);
        // concat along C of two copies into [1, 12, 4, 5]: two kernels writing at channel offsets 0 and 6
        var y = pb.Input("y", F, xs);
        int[] cs = [1, 12, 4, 5];
        var c = pb.Act(F, cs);
        var cst = Tensor.Strides(cs);
        pb.Add(new CopyKernel(xs, xs, [0, 1, 2, 3], [1, 1, 1, 1], [0, 0, 0, 0], 0, cst, PadMode.None, 0) { Inputs = [x], Outputs = [c] });
        pb.Add(new CopyKernel(xs, xs, [0, 1, 2, 3], [1, 1, 1, 1], [0, 0, 0, 0], 6 * 20, cst, PadMode.None, 0) { Inputs = [y], Outputs = [c] });
        pb.Output("concat", c);
        // a reversed, strided slice and an expand of [6, 1] to [6, 9]
        int[] ss = [1, 3, 2, 5];
        var s = pb.Act(F, ss);
        pb.Add(new CopyKernel(ss, xs, [0, 1, 2, 3], [1, -2, 2, 1], [0, 5, 1, 0], 0, Tensor.Strides(ss), PadMode.None, 0) { Inputs = [x], Outputs = [s] });
        pb.Output("slice", s);
        var col = pb.Input("col", DataType.Int32, [6, 1], gen: r => r.Next(-100, 100));
        var e = pb.Act(DataType.Int32, 6, 9);
        pb.Add(new CopyKernel([6, 9], [6, 1], [0, -1], [1, 0], [0, 0], 0, [9, 1], PadMode.None, 0) { Inputs = [col], Outputs = [e] });
        pb.Output("expand", e);
        Check(pb, expectNative: 6);
    }
}

/// <summary>The wasm conv_transpose kernel (one GEMM per tap, scattered into the output).</summary>
public sealed partial class WasmBackendTests
{
    [Theory]
    [InlineData(3, 2, 1, 1, 1, true)]
    [InlineData(3, 1, 1, 1, 0, false)]
    [InlineData(4, 2, 1, 1, 0, true)]
    [InlineData(3, 2, 0, 2, 1, true)]
    [InlineData(1, 3, 0, 1, 2, false)]
    public void ConvTranspose_taps_as_gemms(int k, int stride, int pad, int dilation, int outputPadding, bool bias)
    {
        var pb = new ProgramBuilder();
        int c = 5, m = 6, h = 7, w = 9;
        var x = pb.Input("x", F, [2, c, h, w]);
        var wt = pb.Weight(F, [c, m, k, k]);
        int span = dilation * (k - 1) + 1;
        int oh = (h - 1) * stride + span - 2 * pad + outputPadding, ow = (w - 1) * stride + span - 2 * pad + outputPadding;
        var ins = new List<KernelBuffer> { x, wt };
        if (bias)
        {
            ins.Add(pb.Weight(F, [m]));
        }
        var res = pb.Input("res", F, [2, m, oh, ow]);
        ins.Add(res);
        var o = pb.Act(F, 2, m, oh, ow);
        var epi = Expr.Un(UnaryOp.Relu, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)));
        pb.Add(new ConvTransposeKernel(1, [stride, stride], [pad, pad, pad + outputPadding, pad + outputPadding], [dilation, dilation], bias, epi, bias ? 3 : 2)
        { Inputs = [.. ins], Outputs = [o] });
        pb.Output("y", o);
        Check(pb, expectNative: 1);
    }
}

/// <summary>The wasm pool kernel (padded scratch plane, four output columns per step).</summary>
public sealed partial class WasmBackendTests
{
    [Theory]
    [InlineData(PoolKind.Max, 3, 2, 0, 1, true, false)]
    [InlineData(PoolKind.Max, 3, 1, 1, 1, false, false)]
    [InlineData(PoolKind.Max, 2, 3, 1, 2, true, false)]
    [InlineData(PoolKind.Average, 3, 2, 1, 1, true, false)]
    [InlineData(PoolKind.Average, 3, 2, 1, 1, true, true)]
    [InlineData(PoolKind.Average, 2, 1, 0, 1, false, true)]
    [InlineData(PoolKind.Average, 4, 3, 2, 1, true, false)]
    public void Pool_max_and_average_with_pads_and_ceil_mode(PoolKind kind, int k, int stride, int pad, int dilation, bool ceil, bool includePad)
    {
        var pb = new ProgramBuilder();
        int h = 11, w = 13;
        var x = pb.Input("x", F, [2, 3, h, w]);
        int span = dilation * (k - 1) + 1;
        int Out(int len)
        {
            double o = (double)(len + 2 * pad - span) / stride;
            int n = (ceil ? (int)Math.Ceiling(o) : (int)Math.Floor(o)) + 1;
            // ONNX: with ceil_mode the last window must start inside the input or its left pad
            return ceil && (n - 1) * stride >= len + pad ? n - 1 : n;
        }
        int oh = Out(h), ow = Out(w);
        var o = pb.Act(F, 2, 3, oh, ow);
        pb.Add(new PoolKernel(kind, [k, k], [stride, stride], [pad, pad, pad, pad], [dilation, dilation], includePad, 2) { Inputs = [x], Outputs = [o] });
        pb.Output("y", o);
        // global average pool ([1, 1] output, the window the whole plane)
        var g = pb.Act(F, 2, 3, 1, 1);
        pb.Add(new PoolKernel(PoolKind.Average, [h, w], [1, 1], [0, 0, 0, 0], [1, 1], false, 2) { Inputs = [x], Outputs = [g] });
        pb.Output("global", g);
        Check(pb, expectNative: 2);
    }
}

/// <summary>The wasm gather kernel (one block per index; f32, i32 and bool data).</summary>
public sealed partial class WasmBackendTests
{
    [Fact]
    public void Gather_embedding_rows_inner_axes_and_negative_indices()
    {
        var pb = new ProgramBuilder();
        var table = pb.Weight(F, [50, 12]);
        var ids = pb.Input("ids", DataType.Int32, [2, 7], gen: r => r.Next(-50, 50));
        var e = pb.Act(F, 2, 7, 12);
        pb.Add(new GatherKernel(0) { Inputs = [table, ids], Outputs = [e] });
        pb.Output("embed", e);
        // the last axis (inner 1) of i32 data, and a middle axis
        var x = pb.Input("x", DataType.Int32, [3, 4, 5], gen: r => r.Next(-1000, 1000));
        var idx = pb.Input("idx", DataType.Int32, [6], gen: r => r.Next(-5, 5));
        var last = pb.Act(DataType.Int32, 3, 4, 6);
        pb.Add(new GatherKernel(2) { Inputs = [x, idx], Outputs = [last] });
        pb.Output("last", last);
        var idx2 = pb.Input("idx2", DataType.Int32, [2, 2], gen: r => r.Next(-4, 4));
        var mid = pb.Act(DataType.Int32, 3, 2, 2, 5);
        pb.Add(new GatherKernel(1) { Inputs = [x, idx2], Outputs = [mid] });
        pb.Output("mid", mid);
        // bool data: byte copies, single bytes when inner is 1
        var xb = pb.Input("xb", DataType.Bool, [3, 4, 5], gen: r => r.Next(2));
        var lastB = pb.Act(DataType.Bool, 3, 4, 6);
        pb.Add(new GatherKernel(2) { Inputs = [xb, idx], Outputs = [lastB] });
        pb.Output("last_bool", lastB);
        var midB = pb.Act(DataType.Bool, 3, 2, 2, 5);
        pb.Add(new GatherKernel(1) { Inputs = [xb, idx2], Outputs = [midB] });
        pb.Output("mid_bool", midB);
        Check(pb, expectNative: 5);
    }

    [Fact]
    public void Gather_index_out_of_range_fails_naming_the_kernel()
    {
        var pb = new ProgramBuilder();
        var table = pb.Weight(F, [5, 2]);
        var ids = pb.Input("ids", DataType.Int32, [3], gen: r => r.Next(0, 5));
        var e = pb.Act(F, 3, 2);
        pb.Add(new GatherKernel(0) { Inputs = [table, ids], Outputs = [e], Origin = "embed" });
        pb.Output("y", e);
        CheckTrap(pb, "ids", ProgramBuilder.Raw(DataType.Int32, [3], [1, 99, 2]), "gather", "embed");
    }
}
