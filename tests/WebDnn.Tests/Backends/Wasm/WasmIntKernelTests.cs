using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>
/// The wasm kernels on i32 and bool elements against <see cref="WebDnn.Core.Kernels.Reference.KernelReference"/>
/// (the js kernel's semantics): integer arithmetic at the edges (x/0, INT_MIN/−1, Mod and FMod signs, wrap-around),
/// comparisons, logic, Where, casts between f32, i32 and bool (out-of-range floats wrap), bool copies and i32 reductions.
/// </summary>
public sealed partial class WasmBackendTests
{
    private static readonly DataType I = DataType.Int32, B = DataType.Bool;

    /// <summary>Edge values half the time (0, ±1, ±7, INT_MIN, INT_MAX), small integers otherwise.</summary>
    private static double IntGen(Random r) => r.Next(2) == 0
        ? new double[] { 0, 1, -1, 7, -7, int.MinValue, int.MaxValue }[r.Next(7)]
        : r.Next(-20, 21);

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(21)]
    public void Elementwise_i32_and_bool_ops_at_the_edges(int n)
    {
        var pb = new ProgramBuilder();
        var a = pb.Input("a", I, [n], gen: IntGen);
        var b = pb.Input("b", I, [n], gen: IntGen);
        var p = pb.Input("p", B, [n], gen: r => r.Next(2));
        var q = pb.Input("q", B, [n], gen: r => r.Next(2));
        // floats to cast: fractions, values beyond ±2³¹ (wrap), NaN and ±∞ (0), −0; none beyond ±2⁶³, where the
        // reference's saturating (long) conversion and the js kernel's ToInt32 (wrap: 0) part ways
        double[] floats = [2.5, -2.5, 3e9, -3e9, 1e15, -5e12, 2147483648, -2147483648, double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.75];
        var x = pb.Input("x", F, [n], gen: r => r.Next(2) == 0 ? floats[r.Next(floats.Length)] : Math.Round(r.NextDouble() * 40 - 20, 2));
        var s = pb.Input("s", I, [1], gen: _ => -3);
        var t = pb.Input("t", B, [1], gen: _ => 1);
        KernelBuffer[] inputs = [a, b, p, q, x, s, t];
        Expr ea = Expr.In(0, I), eb = Expr.In(1, I), ep = Expr.In(2, B), eq = Expr.In(3, B), ex = Expr.In(4, F), es = Expr.In(5, I), et = Expr.In(6, B);
        var bodies = new List<(string Name, Expr Body)>();
        foreach (var op in new[] { BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.Div, BinaryOp.Mod, BinaryOp.FMod, BinaryOp.Max, BinaryOp.Min,
            BinaryOp.BitAnd, BinaryOp.BitOr, BinaryOp.BitXor, BinaryOp.Equal, BinaryOp.Less, BinaryOp.LessOrEqual, BinaryOp.Greater, BinaryOp.GreaterOrEqual })
        {
            bodies.Add(($"i32_{op}", Expr.Bin(op, ea, eb)));
        }
        foreach (var op in new[] { UnaryOp.Neg, UnaryOp.Abs, UnaryOp.Sign, UnaryOp.Relu, UnaryOp.BitNot, UnaryOp.Floor })
        {
            bodies.Add(($"i32_{op}", Expr.Un(op, ea)));
        }
        foreach (var op in new[] { BinaryOp.And, BinaryOp.Or, BinaryOp.Xor, BinaryOp.Equal, BinaryOp.Less, BinaryOp.GreaterOrEqual })
        {
            bodies.Add(($"bool_{op}", Expr.Bin(op, ep, eq)));
        }
        bodies.Add(("not", Expr.Un(UnaryOp.Not, ep)));
        bodies.Add(("where_i32", Expr.Select(ep, ea, eb)));
        bodies.Add(("where_f32", Expr.Select(eq, ex, Expr.Const(-1.5, F))));
        bodies.Add(("where_bool", Expr.Select(ep, eq, et)));
        bodies.Add(("f32_to_i32", Expr.Cast(ex, I)));
        bodies.Add(("f32_to_bool", Expr.Cast(ex, B)));
        bodies.Add(("i32_to_f32", Expr.Cast(ea, F)));
        bodies.Add(("i32_to_bool", Expr.Cast(ea, B)));
        bodies.Add(("bool_to_f32", Expr.Cast(ep, F)));
        bodies.Add(("bool_to_i32", Expr.Cast(ep, I)));
        bodies.Add(("f32_less", Expr.Bin(BinaryOp.Less, ex, Expr.Const(0.5, F))));
        // a fused chain as BERT's attention mask has it: (1 − cast(mask)) · −10000, with a splat i32 and a splat bool
        bodies.Add(("mask", Expr.Bin(BinaryOp.Mul, Expr.Bin(BinaryOp.Sub, Expr.Const(1, F), Expr.Cast(Expr.Bin(BinaryOp.And, Expr.Bin(BinaryOp.Equal, ea, es), et), F)),
            Expr.Const(-10000, F))));
        bodies.Add(("int_chain", Expr.Bin(BinaryOp.Add, Expr.Bin(BinaryOp.Mod, Expr.Bin(BinaryOp.Mul, ea, es), Expr.Const(5, I)), Expr.Cast(ex, I))));
        foreach (var (name, body) in bodies)
        {
            var o = pb.Act(body.Type, n);
            pb.Add(new ElementwiseKernel(body) { Inputs = inputs, Outputs = [o] });
            pb.Output(name, o);
        }
        Check(pb, expectNative: bodies.Count);
    }

    [Fact]
    public void Copy_of_bools_transposes_slices_and_pads()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", B, [3, 5, 7], gen: r => r.Next(2));
        // transpose [3,5,7] → [7,3,5]
        var tr = pb.Act(B, 7, 3, 5);
        pb.Add(new CopyKernel([7, 3, 5], [3, 5, 7], [2, 0, 1], [1, 1, 1], [0, 0, 0], 0, [15, 5, 1], PadMode.None, 0) { Inputs = [x], Outputs = [tr] });
        pb.Output("transpose", tr);
        // slice [:, 1:4, ::2] → [3,3,4]
        var sl = pb.Act(B, 3, 3, 4);
        pb.Add(new CopyKernel([3, 3, 4], [3, 5, 7], [0, 1, 2], [1, 1, 2], [0, 1, 0], 0, [12, 4, 1], PadMode.None, 0) { Inputs = [x], Outputs = [sl] });
        pb.Output("slice", sl);
        // constant pad of true: 2 before and 3 after the last axis, 1 row before the middle one → [3,6,12]
        var pd = pb.Act(B, 3, 6, 12);
        pb.Add(new CopyKernel([3, 6, 12], [3, 5, 7], [0, 1, 2], [1, 1, 1], [0, -1, -2], 0, [72, 12, 1], PadMode.Constant, 1) { Inputs = [x], Outputs = [pd] });
        pb.Output("pad", pd);
        // edge pad along the first axis (a mapped outer axis)
        var ed = pb.Act(B, 5, 5, 7);
        pb.Add(new CopyKernel([5, 5, 7], [3, 5, 7], [0, 1, 2], [1, 1, 1], [-1, 0, 0], 0, [35, 7, 1], PadMode.Edge, 0) { Inputs = [x], Outputs = [ed] });
        pb.Output("edge", ed);
        Check(pb, expectNative: 4);
    }

    [Theory]
    [InlineData(new[] { 3, 5, 7 }, new[] { 2 })]
    [InlineData(new[] { 3, 5, 7 }, new[] { 1 })]
    [InlineData(new[] { 3, 5, 7 }, new[] { 0, 2 })]
    [InlineData(new[] { 2, 130 }, new[] { 1 })]
    [InlineData(new[] { 3, 0, 4 }, new[] { 1 })]
    public void Reduce_i32_every_kind_rows_and_columns(int[] shape, int[] axes)
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", I, shape, gen: r => r.Next(-9, 10));
        // |x| ≤ 2 keeps products of up to 7 terms exact; larger rows wrap in i32 as the js kernel's Int32Array store does
        var small = pb.Input("small", I, shape, gen: r => r.Next(-2, 3));
        var kept = shape.Select((d, a) => axes.Contains(a) ? 1 : d).ToArray();
        int native = 0;
        foreach (var kind in new[] { ReduceKind.Sum, ReduceKind.Mean, ReduceKind.Max, ReduceKind.Min, ReduceKind.Prod, ReduceKind.L1, ReduceKind.SumSquare })
        {
            var o = pb.Act(I, kept);
            pb.Add(new ReduceKernel(kind, axes, false) { Inputs = [kind == ReduceKind.Prod ? small : x], Outputs = [o] });
            pb.Output($"{kind}", o);
            native++;
        }
        if (axes.Length == 1)
        {
            foreach (var kind in new[] { ReduceKind.ArgMax, ReduceKind.ArgMin })
            {
                foreach (bool last in new[] { false, true })
                {
                    var o = pb.Act(I, kept);
                    pb.Add(new ReduceKernel(kind, axes, last) { Inputs = [small], Outputs = [o] });
                    pb.Output($"{kind}_{last}", o);
                    native++;
                }
            }
        }
        Check(pb, expectNative: native);
    }
}
