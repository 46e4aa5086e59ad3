using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>The wasm row kernels (norm, softmax) and the broadcast matmul epilogue, each checked to run as wasm.</summary>
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
    public void Softmax_last_axis_and_inner(int outer, int n, int inner)
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [outer, n, inner], gen: r => r.NextDouble() * 40 - 20);
        var o = pb.Act(F, outer, n, inner);
        pb.Add(new SoftmaxKernel(outer, n, inner, false) { Inputs = [x], Outputs = [o] });
        pb.Output("y", o);
        var lo = pb.Act(F, outer, n, inner);
        pb.Add(new SoftmaxKernel(outer, n, inner, true) { Inputs = [x], Outputs = [lo] });
        pb.Output("log", lo);
        var entries = Check(pb, expectNative: 1);
        Assert.StartsWith("js:", entries[1]);
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
