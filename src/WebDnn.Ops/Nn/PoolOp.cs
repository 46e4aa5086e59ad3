using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// Shared inference, reference evaluation and lowering of the windowed pools (MaxPool, AveragePool, LpPool and the
/// Global* variants, which use a window equal to the whole spatial extent). Windows follow <see cref="Spatial"/>
/// (ceil_mode shrinks nothing that starts inside the input). Max ignores NaN unless every element is NaN;
/// Average divides by the in-bounds count, or with count_include_pad by the window positions inside the padded
/// extent; Lp computes (Σ |x|^p)^(1/p) with padding contributing 0.
/// </summary>
public abstract class PoolOp : OpDef
{
    protected abstract PoolKind Kind { get; }

    protected virtual bool Global => false;

    protected virtual bool CeilMode(NodeContext ctx) => ctx.Int("ceil_mode", 0) != 0;

    protected virtual bool CountIncludePad(NodeContext ctx) => false;

    protected virtual int P(NodeContext ctx) => 2;

    private Spatial Geometry(NodeContext ctx, int[] inSpatial) =>
        Global ? new Spatial(inSpatial, Enumerable.Repeat(1, inSpatial.Length).ToArray(), Enumerable.Repeat(1, inSpatial.Length).ToArray(), new int[2 * inSpatial.Length], "VALID")
            : Spatial.Read(ctx, inSpatial.Length, null);

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            ctx.SetOutput(1, DataType.Int64, null);
            return;
        }
        if (x.Rank < 3)
        {
            throw ctx.Error($"input must have rank >= 3 (N, C, spatial...), got {x}");
        }
        Dim[] outSp;
        if (Global)
        {
            outSp = Enumerable.Repeat(Dim.Of(1), x.Rank - 2).ToArray();
        }
        else
        {
            var sp = Spatial.Read(ctx, x.Rank - 2, null);
            outSp = sp.OutDims(ctx, x.Shape[2..], CeilMode(ctx));
        }
        Dim[] shape = [x.Shape[0], x.Shape[1], .. outSp];
        ctx.SetOutput(0, x.DataType, shape);
        ctx.SetOutput(1, DataType.Int64, shape);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        if (x.Rank < 3)
        {
            throw ctx.Error($"input must have rank >= 3, got [{string.Join(",", x.Shape)}]");
        }
        int r = x.Rank - 2;
        var inSp = x.Shape[2..];
        var sp = Geometry(ctx, inSp);
        bool ceil = !Global && CeilMode(ctx);
        var outSp = new int[r];
        for (int i = 0; i < r; i++)
        {
            outSp[i] = checked((int)sp.Axis(i, inSp[i], ceil).Out);
            if (outSp[i] <= 0)
            {
                throw ctx.Error($"spatial axis {i} of size {inSp[i]} is smaller than the window");
            }
        }
        var pads = sp.ResolvedPads(inSp, ceil);
        bool wantIndices = Kind == PoolKind.Max && ctx.OutputCount > 1;
        long[]? indices = wantIndices ? new long[x.Shape[0] * x.Shape[1] * outSp.Aggregate(1, (p, d) => p * d)] : null;
        var y = Compute(Kind, x.ToFloats(), x.Shape[0] * x.Shape[1], inSp, outSp, sp.Kernel, sp.Strides, sp.Dilations, pads,
            CountIncludePad(ctx), P(ctx), indices, ctx.Int("storage_order", 0) != 0);
        int[] shape = [x.Shape[0], x.Shape[1], .. outSp];
        ctx.SetOutput(0, NnData.FromFloats(x.DataType, shape, y));
        if (indices is not null)
        {
            ctx.SetOutput(1, new Tensor(DataType.Int64, shape, indices));
        }
    }

    /// <summary>The f32 pooling of <paramref name="planes"/> planes of size <paramref name="inSp"/>.</summary>
    public static float[] Compute(PoolKind kind, float[] x, int planes, int[] inSp, int[] outSp, int[] kernel, int[] strides, int[] dilations,
        int[] pads, bool countIncludePad, int p, long[]? indices, bool columnMajor)
    {
        int r = inSp.Length;
        var i3 = NnData.To3(inSp, 1);
        var o3 = NnData.To3(outSp, 1);
        var k3 = NnData.To3(kernel, 1);
        var s3 = NnData.To3(strides, 1);
        var d3 = NnData.To3(dilations, 1);
        var pb = NnData.To3(pads[..r], 0);
        var pe = NnData.To3(pads[r..], 0);
        int inSize = i3[0] * i3[1] * i3[2], outSize = o3[0] * o3[1] * o3[2];
        var y = new float[(long)planes * outSize];
        void Plane(int pl)
        {
            int xb = pl * inSize;
            int o = pl * outSize;
            for (int oz = 0; oz < o3[0]; oz++)
            {
                for (int oy = 0; oy < o3[1]; oy++)
                {
                    for (int ox = 0; ox < o3[2]; ox++, o++)
                    {
                        int zs = oz * s3[0] - pb[0], ys = oy * s3[1] - pb[1], xs = ox * s3[2] - pb[2];
                        double acc = kind == PoolKind.Max ? double.NegativeInfinity : 0;
                        int count = 0, padCount = 0, arg = -1;
                        bool anyNaN = false;
                        for (int kz = 0; kz < k3[0]; kz++)
                        {
                            int iz = zs + kz * d3[0];
                            bool zin = (uint)iz < (uint)i3[0];
                            bool zpad = iz >= -pb[0] && iz < i3[0] + pe[0];
                            for (int ky = 0; ky < k3[1]; ky++)
                            {
                                int iy = ys + ky * d3[1];
                                bool yin = (uint)iy < (uint)i3[1];
                                bool ypad = iy >= -pb[1] && iy < i3[1] + pe[1];
                                for (int kx = 0; kx < k3[2]; kx++)
                                {
                                    int ix = xs + kx * d3[2];
                                    if (zpad && ypad && ix >= -pb[2] && ix < i3[2] + pe[2])
                                    {
                                        padCount++;
                                    }
                                    if (!zin || !yin || (uint)ix >= (uint)i3[2])
                                    {
                                        continue;
                                    }
                                    int idx = (iz * i3[1] + iy) * i3[2] + ix;
                                    float v = x[xb + idx];
                                    count++;
                                    switch (kind)
                                    {
                                        case PoolKind.Max:
                                            if (v > acc || arg < 0 && !float.IsNaN(v))
                                            {
                                                acc = v;
                                                arg = idx;
                                            }
                                            anyNaN |= float.IsNaN(v);
                                            break;
                                        case PoolKind.Average:
                                            acc += v;
                                            break;
                                        default:
                                            acc += Math.Pow(Math.Abs(v), p);
                                            break;
                                    }
                                }
                            }
                        }
                        y[o] = kind switch
                        {
                            PoolKind.Max => arg < 0 ? (anyNaN ? float.NaN : float.NegativeInfinity) : (float)acc,
                            PoolKind.Average => (float)(acc / (countIncludePad ? padCount : count)),
                            _ => (float)Math.Pow(acc, 1.0 / p),
                        };
                        if (indices is not null)
                        {
                            int a = Math.Max(arg, 0);
                            if (columnMajor)
                            {
                                int az = a / (i3[1] * i3[2]), ay = a / i3[2] % i3[1], ax = a % i3[2];
                                a = (ax * i3[1] + ay) * i3[0] + az;
                            }
                            indices[o] = (long)xb + a;
                        }
                    }
                }
            }
        }
        if ((long)planes * outSize * kernel.Aggregate(1, (a, b) => a * b) < 1 << 15)
        {
            for (int pl = 0; pl < planes; pl++)
            {
                Plane(pl);
            }
        }
        else
        {
            Parallel.For(0, planes, Plane);
        }
        return y;
    }

    public override bool Lower(LowerContext ctx)
    {
        if (ctx.InputShape(0).Length is < 3 or > 5)
        {
            ctx.Unsupported($"{ctx.InputShape(0).Length - 2} spatial dimensions (kernels take 1–3)");
            return false;
        }
        if (ctx.OutputUsed(1))
        {
            ctx.Unsupported("MaxPool's Indices output has no kernel lowering");
            return false;
        }
        var xs = ctx.InputShape(0);
        var inSp = xs[2..];
        var sp = Geometry(ctx, inSp);
        bool ceil = !Global && CeilMode(ctx);
        ctx.Emit(new PoolKernel(Kind, sp.Kernel, sp.Strides, sp.ResolvedPads(inSp, ceil), sp.Dilations, CountIncludePad(ctx), P(ctx))
        { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
