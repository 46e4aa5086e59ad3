using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;

namespace WebDnn.Tests.Backends;

/// <summary>
/// Every primitive on every backend with a runner (<see cref="BackendHarness.Runners"/>) against
/// <see cref="KernelReference"/> on random shapes and parameters: per primitive, <see cref="Instances"/> kernels drawn
/// from a fixed seed (so a failure reproduces), all in one program. <see cref="Generators"/> is what the primitive
/// meta-test (Meta/PrimitiveCoverageTests) requires for every primitive.
/// </summary>
public sealed class PrimitiveRandomShapeTests : IDisposable
{
    /// <summary>Random kernels per primitive and backend run.</summary>
    public const int Instances = 8;

    private static readonly DataType F = DataType.Float32, I = DataType.Int32;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-rand-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>Primitive name → adds one random kernel of it (with its inputs and an output named <c>o{i}</c>).</summary>
    public static IReadOnlyDictionary<string, Action<ProgramBuilder, Random, int>> Generators { get; } =
        new Dictionary<string, Action<ProgramBuilder, Random, int>>(StringComparer.Ordinal)
        {
            ["elementwise"] = Elementwise,
            ["copy"] = Copy,
            ["gather"] = Gather,
            ["gather_elements"] = GatherElements,
            ["matmul"] = MatMul,
            ["conv"] = Conv,
            ["conv_transpose"] = ConvTranspose,
            ["pool"] = Pool,
            ["reduce"] = Reduce,
            ["softmax"] = Softmax,
            ["norm"] = Norm,
            ["resize"] = Resize,
        };

    public static TheoryData<string, string> Pairs()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in BackendHarness.Runners.Keys)
        {
            foreach (var primitive in Generators.Keys)
            {
                data.Add(backend, primitive);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Backend_matches_the_reference_on_random_shapes(string backend, string primitive)
    {
        var rng = new Random(1000 + primitive.Length * 31 + primitive[0]);
        var pb = new ProgramBuilder();
        for (int i = 0; i < Instances; i++)
        {
            Generators[primitive](pb, rng, i);
        }
        Assert.Equal(Instances, pb.Program.Kernels.Count(k => k.Primitive == primitive));
        BackendHarness.AssertMatchesReference(backend, pb, Path.Combine(_dir, $"{backend}-{primitive}"));
    }

    private static int[] Shape(Random r, int minRank, int maxRank, int maxDim = 5) =>
        [.. Enumerable.Range(0, r.Next(minRank, maxRank + 1)).Select(_ => r.Next(1, maxDim + 1))];

    /// <summary>A shape that broadcasts to <paramref name="shape"/>: leading axes dropped, some axes set to 1.</summary>
    private static int[] Broadcastable(Random r, int[] shape) =>
        [.. shape.Skip(r.Next(0, shape.Length + 1)).Select(d => r.Next(3) == 0 ? 1 : d)];

    private static void Out(ProgramBuilder pb, int i, KernelBuffer b) => pb.Output($"o{i}", b);

    private static Expr RandomExpr(Random r, int inputs, int depth)
    {
        if (depth == 0 || r.Next(4) == 0)
        {
            return r.Next(5) == 0 ? Expr.Const(Math.Round(r.NextDouble() * 4 - 2, 2), F) : Expr.In(r.Next(inputs), F);
        }
        if (r.Next(3) == 0)
        {
            var u = new[] { UnaryOp.Neg, UnaryOp.Abs, UnaryOp.Relu, UnaryOp.Sigmoid, UnaryOp.Tanh, UnaryOp.Floor, UnaryOp.Erf }[r.Next(7)];
            return Expr.Un(u, RandomExpr(r, inputs, depth - 1));
        }
        var b = new[] { BinaryOp.Add, BinaryOp.Sub, BinaryOp.Mul, BinaryOp.Max, BinaryOp.Min }[r.Next(5)];
        return Expr.Bin(b, RandomExpr(r, inputs, depth - 1), RandomExpr(r, inputs, depth - 1));
    }

    private static void Elementwise(ProgramBuilder pb, Random r, int i)
    {
        var shape = Shape(r, 0, 4);
        int n = r.Next(1, 4);
        if (i % 4 == 3)
        {
            // Integer arithmetic (wraps at 32 bits) and a comparison into bool.
            var a = pb.Input($"a{i}", I, Broadcastable(r, shape), gen: g => g.Next(-50000, 50000));
            var c = pb.Input($"c{i}", I, Broadcastable(r, shape), gen: g => g.Next(-50000, 50000));
            var y = pb.Act(I, shape);
            pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Sub, Expr.Bin(BinaryOp.Mul, Expr.In(0, I), Expr.In(1, I)), Expr.In(1, I))) { Inputs = [a, c], Outputs = [y] });
            Out(pb, i, y);
            return;
        }
        var ins = Enumerable.Range(0, n).Select(j => pb.Input($"x{i}_{j}", F, j == 0 ? shape : Broadcastable(r, shape))).ToArray();
        var o = pb.Act(F, shape);
        pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Add, RandomExpr(r, n, 3), Expr.In(0, F))) { Inputs = ins, Outputs = [o] });
        Out(pb, i, o);
    }

    private static void Copy(ProgramBuilder pb, Random r, int i)
    {
        var inShape = Shape(r, 1, 4);
        int rank = inShape.Length;
        var x = pb.Input($"x{i}", F, inShape);
        switch (i % 3)
        {
            case 0:
                {
                    // Transpose by a random permutation.
                    var perm = Enumerable.Range(0, rank).OrderBy(_ => r.Next()).ToArray();
                    var shape = perm.Select(p => inShape[p]).ToArray();
                    var o = pb.Act(F, shape);
                    pb.Add(new CopyKernel(shape, inShape, perm, [.. Enumerable.Repeat(1, rank)], new int[rank], 0, Tensor.Strides(shape), PadMode.None, 0) { Inputs = [x], Outputs = [o] });
                    Out(pb, i, o);
                    break;
                }
            case 1:
                {
                    // Slice with random steps (negative ones walk backwards from a random start).
                    var step = inShape.Select(_ => r.Next(1, 3) * (r.Next(2) == 0 ? 1 : -1)).ToArray();
                    var start = inShape.Select((d, a) => step[a] > 0 ? r.Next(0, d) : r.Next(0, d)).ToArray();
                    var shape = inShape.Select((d, a) => step[a] > 0 ? (d - start[a] + step[a] - 1) / step[a] : start[a] / -step[a] + 1).ToArray();
                    var o = pb.Act(F, shape);
                    pb.Add(new CopyKernel(shape, inShape, [.. Enumerable.Range(0, rank)], step, start, 0, Tensor.Strides(shape), PadMode.None, 0) { Inputs = [x], Outputs = [o] });
                    Out(pb, i, o);
                    break;
                }
            default:
                {
                    // Pad every axis in a random mode (reflect pads stay below the axis length, as ONNX requires).
                    var mode = new[] { PadMode.Constant, PadMode.Edge, PadMode.Reflect, PadMode.Wrap }[r.Next(4)];
                    int Pad(int d) => mode == PadMode.Reflect ? r.Next(0, d) : r.Next(0, 4);
                    var before = inShape.Select(Pad).ToArray();
                    var after = inShape.Select(Pad).ToArray();
                    var shape = inShape.Select((d, a) => d + before[a] + after[a]).ToArray();
                    var o = pb.Act(F, shape);
                    pb.Add(new CopyKernel(shape, inShape, [.. Enumerable.Range(0, rank)], [.. Enumerable.Repeat(1, rank)], [.. before.Select(b => -b)], 0,
                        Tensor.Strides(shape), mode, Math.Round(r.NextDouble(), 2))
                    { Inputs = [x], Outputs = [o] });
                    Out(pb, i, o);
                    break;
                }
        }
    }

    private static void Gather(ProgramBuilder pb, Random r, int i)
    {
        var ds = Shape(r, 1, 3);
        int axis = r.Next(ds.Length), n = ds[axis];
        var idxShape = Shape(r, 0, 2, 4);
        var x = pb.Input($"x{i}", F, ds);
        var idx = pb.Input($"i{i}", I, idxShape, gen: g => g.Next(-n, n));
        var o = pb.Act(F, [.. ds[..axis], .. idxShape, .. ds[(axis + 1)..]]);
        pb.Add(new GatherKernel(axis) { Inputs = [x, idx], Outputs = [o] });
        Out(pb, i, o);
    }

    private static void GatherElements(ProgramBuilder pb, Random r, int i)
    {
        var ds = Shape(r, 1, 4);
        int axis = r.Next(ds.Length), n = ds[axis];
        var idxShape = ds.Select((d, a) => a == axis ? r.Next(1, 6) : r.Next(1, d + 1)).ToArray();
        var x = pb.Input($"x{i}", F, ds);
        var idx = pb.Input($"i{i}", I, idxShape, gen: g => g.Next(-n, n));
        var o = pb.Act(F, idxShape);
        pb.Add(new GatherElementsKernel(axis) { Inputs = [x, idx], Outputs = [o] });
        Out(pb, i, o);
    }

    /// <summary>numpy broadcasting of two shapes that are known to be compatible.</summary>
    private static int[] Broadcast(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        return [.. Enumerable.Range(0, rank).Select(d =>
        {
            int x = d - (rank - a.Length) >= 0 ? a[d - (rank - a.Length)] : 1, y = d - (rank - b.Length) >= 0 ? b[d - (rank - b.Length)] : 1;
            return Math.Max(x, y);
        })];
    }

    private static void MatMul(ProgramBuilder pb, Random r, int i)
    {
        int m = r.Next(1, 10), k = r.Next(1, 20), n = r.Next(1, 12);
        var batch = Shape(r, 0, 2, 3);
        int[] aBatch = Broadcastable(r, batch), bBatch = Broadcastable(r, batch);
        bool aVec = i % 4 == 1, bVec = i % 4 == 2;
        int[] aShape = aVec ? [k] : [.. aBatch, m, k];
        int[] bShape = bVec ? [k] : [.. bBatch, k, n];
        // numpy matmul: a vector operand has no batch axes, and its matrix axis is dropped from the output.
        int[] os = (aVec, bVec) switch
        {
            (true, _) => [.. bBatch, n],
            (_, true) => [.. aBatch, m],
            _ => [.. Broadcast(aBatch, bBatch), m, n],
        };
        var a = pb.Input($"a{i}", F, aShape);
        var b = pb.Weight(F, bShape);
        bool bias = r.Next(2) == 0;
        var ins = new List<KernelBuffer> { a, b };
        if (bias)
        {
            ins.Add(pb.Weight(F, [os[^1]]));
        }
        Expr? epi = null;
        if (r.Next(2) == 0)
        {
            ins.Add(pb.Input($"e{i}", F, Broadcastable(r, os)));
            epi = Expr.Un(UnaryOp.Relu, Expr.Bin(BinaryOp.Add, Expr.In(0, F), Expr.In(1, F)));
        }
        var o = pb.Act(F, os);
        pb.Add(new MatMulKernel(bias, epi, bias ? 3 : 2) { Inputs = [.. ins], Outputs = [o] });
        Out(pb, i, o);
    }

    /// <summary>Random 1-3-d window geometry whose output is at least 1 long on every axis.</summary>
    private static (int[] In, int[] K, int[] S, int[] P, int[] D, int[] Out) Window(Random r, bool transposed)
    {
        int sp = r.Next(1, 4);
        var k = Enumerable.Range(0, sp).Select(_ => r.Next(1, 4)).ToArray();
        var s = Enumerable.Range(0, sp).Select(_ => r.Next(1, 3)).ToArray();
        var d = Enumerable.Range(0, sp).Select(_ => r.Next(1, 3)).ToArray();
        var p = Enumerable.Range(0, 2 * sp).Select(j => r.Next(0, Math.Min(3, k[j % sp] * d[j % sp]))).ToArray();
        var inS = new int[sp];
        var outS = new int[sp];
        for (int a = 0; a < sp; a++)
        {
            int span = d[a] * (k[a] - 1) + 1;
            if (transposed)
            {
                inS[a] = r.Next(1, 6);
                outS[a] = (inS[a] - 1) * s[a] + span - p[a] - p[sp + a];
                if (outS[a] < 1)
                {
                    p[a] = p[sp + a] = 0;
                    outS[a] = (inS[a] - 1) * s[a] + span;
                }
            }
            else
            {
                inS[a] = r.Next(Math.Max(1, span - p[a] - p[sp + a]), span + 6);
                outS[a] = (inS[a] + p[a] + p[sp + a] - span) / s[a] + 1;
            }
        }
        return (inS, k, s, p, d, outS);
    }

    private static void Conv(ProgramBuilder pb, Random r, int i)
    {
        var (inS, k, s, p, d, outS) = Window(r, false);
        int group = r.Next(3) == 0 ? 2 : 1, cg = r.Next(1, 4), mg = r.Next(1, 4), batch = r.Next(1, 3);
        var x = pb.Input($"x{i}", F, [batch, group * cg, .. inS]);
        var w = pb.Weight(F, [group * mg, cg, .. k]);
        bool bias = r.Next(2) == 0;
        var ins = new List<KernelBuffer> { x, w };
        if (bias)
        {
            ins.Add(pb.Weight(F, [group * mg]));
        }
        int[] os = [batch, group * mg, .. outS];
        Expr? epi = null;
        if (r.Next(2) == 0)
        {
            ins.Add(pb.Input($"e{i}", F, Broadcastable(r, os)));
            epi = Expr.Bin(BinaryOp.Mul, Expr.Un(UnaryOp.Sigmoid, Expr.In(0, F)), Expr.In(1, F));
        }
        var o = pb.Act(F, os);
        pb.Add(new ConvKernel(group, s, p, d, bias, epi, bias ? 3 : 2) { Inputs = [.. ins], Outputs = [o] });
        Out(pb, i, o);
    }

    private static void ConvTranspose(ProgramBuilder pb, Random r, int i)
    {
        var (inS, k, s, p, d, outS) = Window(r, true);
        int group = r.Next(3) == 0 ? 2 : 1, cg = r.Next(1, 4), mg = r.Next(1, 4), batch = r.Next(1, 3);
        var x = pb.Input($"x{i}", F, [batch, group * cg, .. inS]);
        var w = pb.Weight(F, [group * cg, mg, .. k]);
        bool bias = r.Next(2) == 0;
        var ins = new List<KernelBuffer> { x, w };
        if (bias)
        {
            ins.Add(pb.Weight(F, [group * mg]));
        }
        var epi = r.Next(2) == 0 ? Expr.Un(UnaryOp.Relu, Expr.In(0, F)) : null;
        var o = pb.Act(F, [batch, group * mg, .. outS]);
        pb.Add(new ConvTransposeKernel(group, s, p, d, bias, epi, bias ? 3 : 2) { Inputs = [.. ins], Outputs = [o] });
        Out(pb, i, o);
    }

    private static void Pool(ProgramBuilder pb, Random r, int i)
    {
        var (inS, k, s, p, d, outS) = Window(r, false);
        var kind = (PoolKind)(i % 3);
        // Pads stay inside the window so no window lies entirely in the padding (ONNX requires pad < kernel).
        for (int a = 0; a < k.Length; a++)
        {
            p[a] = Math.Min(p[a], k[a] - 1);
            p[k.Length + a] = Math.Min(p[k.Length + a], k[a] - 1);
            int span = d[a] * (k[a] - 1) + 1;
            inS[a] = Math.Max(inS[a], span);
            outS[a] = (inS[a] + p[a] + p[k.Length + a] - span) / s[a] + 1;
        }
        var x = pb.Input($"x{i}", F, [r.Next(1, 3), r.Next(1, 4), .. inS]);
        var o = pb.Act(F, [x.Shape[0], x.Shape[1], .. outS]);
        pb.Add(new PoolKernel(kind, k, s, p, d, r.Next(2) == 0, r.Next(1, 4)) { Inputs = [x], Outputs = [o] });
        Out(pb, i, o);
    }

    private static void Reduce(ProgramBuilder pb, Random r, int i)
    {
        var xs = Shape(r, 1, 4);
        var kind = (ReduceKind)r.Next(Enum.GetValues<ReduceKind>().Length);
        bool arg = kind is ReduceKind.ArgMax or ReduceKind.ArgMin;
        int[] axes = arg ? [r.Next(xs.Length)] : [.. Enumerable.Range(0, xs.Length).Where(_ => r.Next(2) == 0).DefaultIfEmpty(xs.Length - 1)];
        // Positive inputs keep LogSum and Prod tame; few distinct values make arg ties happen.
        var x = pb.Input($"x{i}", F, xs, gen: arg ? g => g.Next(0, 4) : g => Math.Round(g.NextDouble() * 2 + 0.1, 3));
        var kept = xs.Select((v, a) => axes.Contains(a) ? 1 : v).ToArray();
        var o = pb.Act(arg ? I : F, r.Next(2) == 0 ? kept : [.. xs.Where((_, a) => !axes.Contains(a))]);
        pb.Add(new ReduceKernel(kind, axes, r.Next(2) == 0) { Inputs = [x], Outputs = [o] });
        Out(pb, i, o);
    }

    private static void Softmax(ProgramBuilder pb, Random r, int i)
    {
        int outer = r.Next(1, 5), n = r.Next(1, 9), inner = r.Next(1, 4);
        var x = pb.Input($"x{i}", F, [outer, n, inner], gen: g => g.NextDouble() * 20 - 10);
        var o = pb.Act(F, outer, n, inner);
        pb.Add(new SoftmaxKernel(outer, n, inner, r.Next(2) == 0) { Inputs = [x], Outputs = [o] });
        Out(pb, i, o);
    }

    private static void Norm(ProgramBuilder pb, Random r, int i)
    {
        bool perChannel = r.Next(2) == 0;
        int channels = r.Next(1, 4), outer = channels * r.Next(1, 4), n = r.Next(1, 12);
        var x = pb.Input($"x{i}", F, [outer, n]);
        bool scale = r.Next(3) > 0, bias = r.Next(3) > 0;
        var ins = new List<KernelBuffer> { x };
        if (scale)
        {
            ins.Add(pb.Weight(F, [perChannel ? channels : n]));
        }
        if (bias)
        {
            ins.Add(pb.Weight(F, [perChannel ? channels : n]));
        }
        var o = pb.Act(F, outer, n);
        pb.Add(new NormKernel(outer, n, (float)Math.Round(r.NextDouble() * 1e-3, 6), scale, bias, perChannel, perChannel ? channels : 0) { Inputs = [.. ins], Outputs = [o] });
        Out(pb, i, o);
    }

    private static void Resize(ProgramBuilder pb, Random r, int i)
    {
        var xs = Shape(r, 1, 4);
        var axes = new ResizeAxis[xs.Length];
        var os = new int[xs.Length];
        for (int a = 0; a < xs.Length; a++)
        {
            if (r.Next(3) == 0)
            {
                os[a] = xs[a];
                axes[a] = new ResizeAxis(1, [.. Enumerable.Range(0, xs[a])], [.. Enumerable.Repeat(1f, xs[a])]);
                continue;
            }
            int taps = new[] { 1, 2, 4, 6 }[r.Next(4)];
            os[a] = r.Next(1, 8);
            var index = new int[os[a] * taps];
            var weight = new float[os[a] * taps];
            bool nearest = taps == 1 && i % 2 == 0;
            for (int o = 0; o < os[a]; o++)
            {
                bool outside = r.Next(8) == 0;
                for (int t = 0; t < taps; t++)
                {
                    index[o * taps + t] = outside ? ResizeAxis.Outside : r.Next(xs[a]);
                    weight[o * taps + t] = outside ? 0 : nearest ? 1 : (float)Math.Round(r.NextDouble() * 1.5 - 0.25, 3);
                }
            }
            axes[a] = new ResizeAxis(taps, index, weight);
        }
        var x = pb.Input($"x{i}", F, xs);
        var y = pb.Act(F, os);
        pb.Add(new ResizeKernel(axes, (float)Math.Round(r.NextDouble() * 4 - 2, 2)) { Inputs = [x], Outputs = [y] });
        Out(pb, i, y);
    }
}
