using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Tests.Backends;

/// <summary>
/// A deliberately naive evaluator of a <see cref="KernelProgram"/>, written from the primitive docs in
/// WebDnn.Core/Kernels (coordinates, not strides; no blocking), used as the oracle for generated kernels.
/// Values are doubles; every store rounds to the buffer's element type as a typed array would.
/// </summary>
public static class KernelReference
{
    public static Dictionary<int, double[]> Run(KernelProgram p, IReadOnlyDictionary<int, double[]> inputs)
    {
        var mem = new Dictionary<int, double[]>();
        double[] Of(KernelBuffer b)
        {
            var r = b.Root;
            if (!mem.TryGetValue(r.Id, out var d))
            {
                d = r.Weight is { } w ? w.ToDoubles() : inputs.TryGetValue(r.Id, out var i) ? (double[])i.Clone() : new double[r.Length];
                mem[r.Id] = d;
            }
            return d;
        }
        foreach (var k in p.Kernels)
        {
            var ins = k.Inputs.Select(Of).ToArray();
            var o = Of(k.Output);
            Eval(k, ins, o);
            var dt = k.Output.DataType;
            for (int i = 0; i < o.Length; i++)
            {
                o[i] = Store(o[i], dt);
            }
        }
        return p.Outputs.ToDictionary(x => x.KernelBuffer.Id, x => Of(x.KernelBuffer));
    }

    public static double Store(double v, DataType dt) => dt switch
    {
        DataType.Float32 => (float)v,
        DataType.Bool => v != 0 ? 1 : 0,
        _ => ExprEvaluator.CastTo(v, DataType.Float64, DataType.Int32),
    };

    private static int[] Coords(long i, int[] shape)
    {
        var c = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            c[d] = (int)(i % shape[d]);
            i /= shape[d];
        }
        return c;
    }

    private static long Index(int[] c, int[] shape)
    {
        long i = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            i = i * shape[d] + c[d];
        }
        return i;
    }

    /// <summary>Index into an operand broadcast to the coordinates of a larger shape.</summary>
    private static long BIndex(int[] outCoords, int[] shape)
    {
        long i = 0;
        int off = outCoords.Length - shape.Length;
        for (int d = 0; d < shape.Length; d++)
        {
            i = i * shape[d] + (shape[d] == 1 ? 0 : outCoords[off + d]);
        }
        return i;
    }

    private static double Epi(Expr? e, double acc, Kernel k, int first, double[][] ins, int[] oc)
    {
        if (e is null)
        {
            return acc;
        }
        var vals = new double[e.MaxInput + 1];
        vals[0] = acc;
        for (int j = 1; j < vals.Length; j++)
        {
            vals[j] = ins[first + j - 1][BIndex(oc, k.Inputs[first + j - 1].Shape)];
        }
        return ExprEvaluator.Eval(e, vals);
    }

    private static void Eval(Kernel kernel, double[][] ins, double[] o)
    {
        var os = kernel.Output.Shape;
        switch (kernel)
        {
            case ElementwiseKernel k:
                for (long i = 0; i < o.Length; i++)
                {
                    var c = Coords(i, os);
                    var v = k.Inputs.Select((b, j) => ins[j][BIndex(c, b.Shape)]).ToArray();
                    o[i] = ExprEvaluator.Eval(k.Body, v);
                }
                break;
            case CopyKernel k:
                for (long i = 0; i < Tensor.ElementCount(k.Shape); i++)
                {
                    var c = Coords(i, k.Shape);
                    var ic = (int[])k.InStart.Clone();
                    for (int d = 0; d < c.Length; d++)
                    {
                        if (k.InAxis[d] >= 0)
                        {
                            ic[k.InAxis[d]] += k.InStep[d] * c[d];
                        }
                    }
                    bool outside = false;
                    for (int j = 0; j < ic.Length; j++)
                    {
                        int n = k.InShape[j];
                        if (ic[j] >= 0 && ic[j] < n)
                        {
                            continue;
                        }
                        switch (k.Mode)
                        {
                            case PadMode.Edge: ic[j] = Math.Clamp(ic[j], 0, n - 1); break;
                            case PadMode.Wrap: ic[j] = ((ic[j] % n) + n) % n; break;
                            case PadMode.Reflect:
                                while (ic[j] < 0 || ic[j] >= n)
                                {
                                    ic[j] = ic[j] < 0 ? -ic[j] : 2 * (n - 1) - ic[j];
                                }
                                break;
                            default: outside = true; break;
                        }
                    }
                    long at = k.OutOffset + c.Select((x, d) => (long)x * k.OutStrides[d]).Sum();
                    o[at] = outside ? k.PadValue : ins[0][Index(ic, k.InShape)];
                }
                break;
            case GatherKernel k:
                {
                    var ds = k.Inputs[0].Shape;
                    var idxShape = k.Inputs[1].Shape;
                    for (long i = 0; i < o.Length; i++)
                    {
                        var c = Coords(i, os);
                        var ic = c[..k.Axis].ToList();
                        long q = (long)ins[1][Index(c[k.Axis..(k.Axis + idxShape.Length)], idxShape)];
                        ic.Add((int)(q < 0 ? q + ds[k.Axis] : q));
                        ic.AddRange(c[(k.Axis + idxShape.Length)..]);
                        o[i] = ins[0][Index([.. ic], ds)];
                    }
                    break;
                }
            case GatherElementsKernel k:
                for (long i = 0; i < o.Length; i++)
                {
                    var c = Coords(i, os);
                    long q = (long)ins[1][i];
                    c[k.Axis] = (int)(q < 0 ? q + k.Inputs[0].Shape[k.Axis] : q);
                    o[i] = ins[0][Index(c, k.Inputs[0].Shape)];
                }
                break;
            case MatMulKernel k:
                {
                    var a = k.Inputs[0].Shape;
                    var b = k.Inputs[1].Shape;
                    int kk = a[^1];
                    // 1-D operands: A [K] is [1, K], B [K] is [K, 1] (numpy matmul); c gets the dropped axis back as 0.
                    a = a.Length == 1 ? [1, a[0]] : a;
                    b = b.Length == 1 ? [b[0], 1] : b;
                    for (long i = 0; i < o.Length; i++)
                    {
                        var c = Coords(i, os);
                        c = k.Inputs[1].Shape.Length == 1 ? [.. c, 0] : c;
                        c = k.Inputs[0].Shape.Length == 1 ? [.. c[..^1], 0, c[^1]] : c;
                        double s = 0;
                        for (int t = 0; t < kk; t++)
                        {
                            var ac = (int[])c.Clone();
                            ac[^1] = t;
                            var bc = (int[])c.Clone();
                            bc[^2] = t;
                            s += ins[0][BIndex(ac, a)] * ins[1][BIndex(bc, b)];
                        }
                        if (k.HasBias)
                        {
                            s += ins[2][BIndex(c, k.Inputs[2].Shape)];
                        }
                        o[i] = Epi(k.Epilogue, s, k, k.EpilogueFirstInput, ins, c);
                    }
                    break;
                }
            case ConvKernel k:
                {
                    var xs = k.Inputs[0].Shape;
                    var ws = k.Inputs[1].Shape;
                    int sp = xs.Length - 2, cg = ws[1], mg = ws[0] / k.Group;
                    var kShape = ws[2..];
                    for (long i = 0; i < o.Length; i++)
                    {
                        var c = Coords(i, os);
                        int g = c[1] / mg;
                        double s = k.HasBias ? ins[2][c[1]] : 0;
                        for (int ci = 0; ci < cg; ci++)
                        {
                            for (long t = 0; t < Tensor.ElementCount(kShape); t++)
                            {
                                var kc = Coords(t, kShape);
                                var xc = new int[xs.Length];
                                xc[0] = c[0];
                                xc[1] = g * cg + ci;
                                bool ok = true;
                                for (int d = 0; d < sp; d++)
                                {
                                    xc[2 + d] = c[2 + d] * k.Strides[d] - k.Pads[d] + kc[d] * k.Dilations[d];
                                    ok &= xc[2 + d] >= 0 && xc[2 + d] < xs[2 + d];
                                }
                                if (ok)
                                {
                                    s += ins[0][Index(xc, xs)] * ins[1][Index([c[1], ci, .. kc], ws)];
                                }
                            }
                        }
                        o[i] = Epi(k.Epilogue, s, k, k.EpilogueFirstInput, ins, c);
                    }
                    break;
                }
            case ConvTransposeKernel k:
                {
                    var xs = k.Inputs[0].Shape;
                    var ws = k.Inputs[1].Shape;
                    int sp = xs.Length - 2, mg = ws[1], cg = xs[1] / k.Group;
                    var acc = new double[o.Length];
                    for (long i = 0; i < Tensor.ElementCount(xs); i++)
                    {
                        var xc = Coords(i, xs);
                        int g = xc[1] / cg;
                        for (int mm = 0; mm < mg; mm++)
                        {
                            for (long t = 0; t < Tensor.ElementCount(ws.AsSpan(2)); t++)
                            {
                                var kc = Coords(t, ws[2..]);
                                var oc = new int[os.Length];
                                oc[0] = xc[0];
                                oc[1] = g * mg + mm;
                                bool ok = true;
                                for (int d = 0; d < sp; d++)
                                {
                                    oc[2 + d] = xc[2 + d] * k.Strides[d] - k.Pads[d] + kc[d] * k.Dilations[d];
                                    ok &= oc[2 + d] >= 0 && oc[2 + d] < os[2 + d];
                                }
                                if (ok)
                                {
                                    acc[Index(oc, os)] += ins[0][i] * ins[1][Index([xc[1], mm, .. kc], ws)];
                                }
                            }
                        }
                    }
                    for (long i = 0; i < o.Length; i++)
                    {
                        var c = Coords(i, os);
                        o[i] = Epi(k.Epilogue, acc[i] + (k.HasBias ? ins[2][c[1]] : 0), k, k.EpilogueFirstInput, ins, c);
                    }
                    break;
                }
            case PoolKernel k:
                {
                    var xs = k.Inputs[0].Shape;
                    int sp = xs.Length - 2;
                    for (long i = 0; i < o.Length; i++)
                    {
                        var c = Coords(i, os);
                        double r = k.Kind == PoolKind.Max ? double.NegativeInfinity : 0;
                        int cnt = 0, padCnt = 0;
                        for (long t = 0; t < Tensor.ElementCount(k.KernelShape); t++)
                        {
                            var kc = Coords(t, k.KernelShape);
                            var xc = (int[])c.Clone();
                            bool ok = true, inPad = true;
                            for (int d = 0; d < sp; d++)
                            {
                                xc[2 + d] = c[2 + d] * k.Strides[d] - k.Pads[d] + kc[d] * k.Dilations[d];
                                ok &= xc[2 + d] >= 0 && xc[2 + d] < xs[2 + d];
                                inPad &= xc[2 + d] >= -k.Pads[d] && xc[2 + d] < xs[2 + d] + k.Pads[sp + d];
                            }
                            padCnt += inPad ? 1 : 0;
                            if (!ok)
                            {
                                continue;
                            }
                            double v = ins[0][Index(xc, xs)];
                            cnt++;
                            r = k.Kind switch
                            {
                                PoolKind.Max => Math.Max(r, v),
                                PoolKind.Average => r + v,
                                _ => r + Math.Pow(Math.Abs(v), k.P),
                            };
                        }
                        o[i] = k.Kind switch
                        {
                            PoolKind.Max => r,
                            PoolKind.Average => r / (k.CountIncludePad ? padCnt : cnt),
                            _ => Math.Pow(r, 1.0 / k.P),
                        };
                    }
                    break;
                }
            case ReduceKernel k:
                {
                    var xs = k.Inputs[0].Shape;
                    var keptShape = xs.Select((d, a) => k.Axes.Contains(a) ? 1 : d).ToArray();
                    var groups = new List<double>[o.Length];
                    var args = new List<int>[o.Length];
                    for (int i = 0; i < o.Length; i++)
                    {
                        groups[i] = [];
                        args[i] = [];
                    }
                    for (long i = 0; i < Tensor.ElementCount(xs); i++)
                    {
                        var c = Coords(i, xs);
                        var kc = c.Select((x, a) => k.Axes.Contains(a) ? 0 : x).ToArray();
                        long oi = Index(kc, keptShape);
                        groups[oi].Add(ins[0][i]);
                        args[oi].Add(c[k.Axes[0]]);
                    }
                    for (int i = 0; i < o.Length; i++)
                    {
                        var g = groups[i];
                        o[i] = k.Kind switch
                        {
                            ReduceKind.Sum => g.Sum(),
                            ReduceKind.Mean => g.Sum() / g.Count,
                            ReduceKind.Max => g.Count == 0 ? double.NegativeInfinity : g.Max(),
                            ReduceKind.Min => g.Count == 0 ? double.PositiveInfinity : g.Min(),
                            ReduceKind.Prod => g.Aggregate(1.0, (x, y) => x * y),
                            ReduceKind.SumSquare => g.Sum(v => v * v),
                            ReduceKind.L1 => g.Sum(Math.Abs),
                            ReduceKind.L2 => Math.Sqrt(g.Sum(v => v * v)),
                            ReduceKind.LogSum => Math.Log(g.Sum()),
                            ReduceKind.LogSumExp => Math.Log(g.Sum(Math.Exp)),
                            ReduceKind.ArgMax => args[i][k.SelectLastIndex ? g.LastIndexOf(g.Max()) : g.IndexOf(g.Max())],
                            _ => args[i][k.SelectLastIndex ? g.LastIndexOf(g.Min()) : g.IndexOf(g.Min())],
                        };
                    }
                    break;
                }
            case SoftmaxKernel k:
                for (int a = 0; a < k.Outer; a++)
                {
                    for (int q = 0; q < k.Inner; q++)
                    {
                        var idx = Enumerable.Range(0, k.N).Select(n => ((long)a * k.N + n) * k.Inner + q).ToArray();
                        double sum = idx.Sum(j => Math.Exp(ins[0][j]));
                        foreach (var j in idx)
                        {
                            o[j] = k.Log ? ins[0][j] - Math.Log(sum) : Math.Exp(ins[0][j]) / sum;
                        }
                    }
                }
                break;
            case NormKernel k:
                for (int r = 0; r < k.Outer; r++)
                {
                    var row = ins[0].AsSpan(r * k.N, k.N).ToArray();
                    double mean = row.Average();
                    double var = row.Sum(v => (v - mean) * (v - mean)) / k.N;
                    for (int n = 0; n < k.N; n++)
                    {
                        int si = k.PerChannel ? r % k.Channels : n;
                        double v = (row[n] - mean) / Math.Sqrt(var + k.Epsilon);
                        v = k.HasScale ? v * ins[1][si] : v;
                        o[(long)r * k.N + n] = k.HasBias ? v + ins[k.HasScale ? 2 : 1][si] : v;
                    }
                }
                break;
            case ResizeKernel k:
                {
                    // Nearest (asymmetric + floor) and linear (half_pixel) only, straight from the ONNX formulas.
                    var xs = k.Inputs[0].Shape;
                    for (long i = 0; i < o.Length; i++)
                    {
                        var c = Coords(i, os);
                        var taps = new List<(int[] C, double W)> { (new int[xs.Length], 1.0) };
                        for (int d = 0; d < xs.Length; d++)
                        {
                            double x = k.Mode == ResizeMode.Nearest ? c[d] / (double)k.Scales[d] : Math.Clamp((c[d] + 0.5) / k.Scales[d] - 0.5, 0, xs[d] - 1);
                            int lo = (int)Math.Floor(x), hi = Math.Min(lo + 1, xs[d] - 1);
                            double f = x - lo;
                            var next = new List<(int[] C, double W)>();
                            foreach (var (tc, w) in taps)
                            {
                                var a = (int[])tc.Clone();
                                a[d] = Math.Min(lo, xs[d] - 1);
                                next.Add((a, k.Mode == ResizeMode.Nearest ? w : w * (1 - f)));
                                if (k.Mode != ResizeMode.Nearest)
                                {
                                    var b = (int[])tc.Clone();
                                    b[d] = hi;
                                    next.Add((b, w * f));
                                }
                            }
                            taps = next;
                        }
                        o[i] = taps.Sum(t => t.W * ins[0][Index(t.C, xs)]);
                    }
                    break;
                }
            default:
                throw new NotSupportedException(kernel.Primitive);
        }
    }
}
