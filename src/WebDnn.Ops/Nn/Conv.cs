using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX Conv (opset 1, 11, 22; the versions differ only in types and defaults): X [N, C, *S] (1–3 spatial dims),
/// W [M, C/group, *K], optional B [M]:
/// Y[n, g·M/G + m, o] = B[m'] + Σ_{c &lt; C/G, k} X[n, g·C/G + c, o·s - pad_begin + k·d] · W[g·M/G + m, c, k],
/// reads outside the input are 0. auto_pad / pads / strides / dilations as in <see cref="Spatial"/>; kernel_shape
/// defaults to W's spatial dims. A fused epilogue (<see cref="Epilogue"/>) is applied to Y (bias included).
/// NaN propagates through the sums. Evaluated as an implicit-im2col GEMM (<see cref="Sgemm"/>) in f32.
/// </summary>
public sealed class Conv : OpDef
{
    public override string OpType => "Conv";

    public override FusionKind Fusion => FusionKind.OutputFusable;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var w = ctx.InputType(1);
        NnData.RequireFloat(ctx, x.DataType);
        var dt = Epilogue.ResultType(ctx, x.DataType);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, dt, null);
            return;
        }
        int r = x.Rank - 2;
        if (r < 1)
        {
            throw ctx.Error($"input must have rank >= 3, got {x}");
        }
        if (w.Shape is not null && w.Rank != x.Rank)
        {
            throw ctx.Error($"weight rank {w.Rank} differs from input rank {x.Rank}");
        }
        int[]? wk = w.Shape is not null && w.Shape.Skip(2).All(d => d.IsKnown) ? w.Shape.Skip(2).Select(d => (int)d.Value).ToArray() : null;
        if (wk is null && !ctx.HasAttr("kernel_shape"))
        {
            var unknown = new Dim[x.Rank];
            Array.Fill(unknown, Dim.Unknown);
            unknown[0] = x.Shape[0];
            ctx.SetOutput(0, dt, unknown);
            return;
        }
        var sp = Spatial.Read(ctx, r, wk);
        long group = ctx.Int("group", 1);
        if (w.Shape is not null && x.Shape[1].IsKnown && w.Shape[1].IsKnown && x.Shape[1].Value != w.Shape[1].Value * group)
        {
            throw ctx.Error($"input has {x.Shape[1]} channels but the weight expects {w.Shape[1]} x group {group}");
        }
        Dim m = w.Shape?[0] ?? Dim.Unknown;
        ctx.SetOutput(0, dt, [x.Shape[0], m, .. sp.OutDims(ctx, x.Shape[2..])]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var (_, first) = Epilogue.Get(ctx);
        var b = first > 2 ? ctx.OptionalInput(2) : null;
        if (x.Rank < 3 || w.Rank != x.Rank)
        {
            throw ctx.Error($"input [{string.Join(",", x.Shape)}] and weight [{string.Join(",", w.Shape)}] ranks do not fit");
        }
        int r = x.Rank - 2;
        var sp = Spatial.Read(ctx, r, w.Shape[2..]);
        int group = (int)ctx.Int("group", 1);
        int n = x.Shape[0], c = x.Shape[1], m = w.Shape[0];
        if (group <= 0 || c % group != 0 || m % group != 0 || w.Shape[1] != c / group)
        {
            throw ctx.Error($"channels do not fit: input {c}, weight [{string.Join(",", w.Shape)}], group {group}");
        }
        if (!w.Shape.AsSpan(2).SequenceEqual(sp.Kernel))
        {
            throw ctx.Error($"kernel_shape [{string.Join(",", sp.Kernel)}] differs from the weight's [{string.Join(",", w.Shape[2..])}]");
        }
        var inSp = x.Shape[2..];
        var outSp = new int[r];
        var pads = sp.ResolvedPads(inSp);
        for (int i = 0; i < r; i++)
        {
            outSp[i] = checked((int)sp.Axis(i, inSp[i]).Out);
            if (outSp[i] <= 0)
            {
                throw ctx.Error($"spatial axis {i} of size {inSp[i]} is smaller than the kernel extent");
            }
        }
        var y = Forward(x.ToFloats(), n, c, inSp, w.ToFloats(), m, sp.Kernel, sp.Strides, sp.Dilations, pads[..r], outSp, group, b?.ToFloats());
        var result = NnData.FromFloats(x.DataType, [n, m, .. outSp], y);
        ctx.SetOutput(0, Epilogue.Apply(ctx, result));
    }

    /// <summary>The f32 convolution (any 1–3 spatial dims) as one GEMM per (image, group) with im2col panels packed on the fly.</summary>
    public static float[] Forward(float[] x, int n, int c, int[] inSp, float[] w, int m, int[] kernel, int[] strides, int[] dilations,
        int[] padBegin, int[] outSp, int group, float[]? bias)
    {
        var i3 = NnData.To3(inSp, 1);
        var o3 = NnData.To3(outSp, 1);
        var k3 = NnData.To3(kernel, 1);
        var s3 = NnData.To3(strides, 1);
        var d3 = NnData.To3(dilations, 1);
        var p3 = NnData.To3(padBegin, 0);
        int inSize = i3[0] * i3[1] * i3[2];
        int outSize = o3[0] * o3[1] * o3[2];
        int cg = c / group, mg = m / group;
        int kk = cg * k3[0] * k3[1] * k3[2];
        var y = new float[(long)n * m * outSize];
        if (bias is not null)
        {
            for (int b = 0; b < n; b++)
            {
                for (int o = 0; o < m; o++)
                {
                    y.AsSpan((b * m + o) * outSize, outSize).Fill(bias[o]);
                }
            }
        }
        for (int b = 0; b < n; b++)
        {
            for (int g = 0; g < group; g++)
            {
                int xOff = (b * c + g * cg) * inSize;
                var pack = Im2ColPacker(x, xOff, cg, i3, o3, k3, s3, d3, p3, kk);
                Sgemm.Multiply(mg, outSize, kk, w, g * mg * kk, kk, pack, y, (b * m + g * mg) * outSize, outSize, bias is not null);
            }
        }
        return y;
    }

    private static Sgemm.PackB Im2ColPacker(float[] x, int xOff, int cg, int[] i3, int[] o3, int[] k3, int[] s3, int[] d3, int[] p3, int kk) =>
        (n0, nb, panels) =>
        {
            int nr = Sgemm.PanelWidth;
            int np = (nb + nr - 1) / nr;
            Span<int> bz = stackalloc int[nr];
            Span<int> by = stackalloc int[nr];
            Span<int> bx = stackalloc int[nr];
            int id = i3[0], ih = i3[1], iw = i3[2];
            int ohw = o3[1] * o3[2], ow = o3[2];
            for (int p = 0; p < np; p++)
            {
                int j0 = n0 + p * nr;
                int wdt = Math.Min(nr, n0 + nb - j0);
                for (int jj = 0; jj < wdt; jj++)
                {
                    int j = j0 + jj;
                    bz[jj] = j / ohw * s3[0] - p3[0];
                    by[jj] = j % ohw / ow * s3[1] - p3[1];
                    bx[jj] = j % ow * s3[2] - p3[2];
                }
                // All columns of this panel on one output row with unit x-stride: rows of the panel are contiguous reads.
                bool row = s3[2] == 1 && bz[0] == bz[wdt - 1] && by[0] == by[wdt - 1];
                var dst = panels.AsSpan(p * kk * nr, kk * nr);
                int r = 0;
                for (int ci = 0; ci < cg; ci++)
                {
                    int xc = xOff + ci * id * ih * iw;
                    for (int kz = 0; kz < k3[0]; kz++)
                    {
                        for (int ky = 0; ky < k3[1]; ky++)
                        {
                            for (int kx = 0; kx < k3[2]; kx++, r++)
                            {
                                var d = dst.Slice(r * nr, nr);
                                if (row)
                                {
                                    int iz = bz[0] + kz * d3[0], iy = by[0] + ky * d3[1], ix = bx[0] + kx * d3[2];
                                    if ((uint)iz < (uint)id && (uint)iy < (uint)ih && ix >= 0 && ix + wdt <= iw)
                                    {
                                        x.AsSpan(xc + (iz * ih + iy) * iw + ix, wdt).CopyTo(d);
                                        d[wdt..].Clear();
                                        continue;
                                    }
                                }
                                for (int jj = 0; jj < wdt; jj++)
                                {
                                    int iz = bz[jj] + kz * d3[0], iy = by[jj] + ky * d3[1], ix = bx[jj] + kx * d3[2];
                                    d[jj] = (uint)iz < (uint)id && (uint)iy < (uint)ih && (uint)ix < (uint)iw ? x[xc + (iz * ih + iy) * iw + ix] : 0f;
                                }
                                d[wdt..].Clear();
                            }
                        }
                    }
                }
            }
        };

    public override bool Lower(LowerContext ctx)
    {
        var xs = ctx.InputShape(0);
        var ws = ctx.InputShape(1);
        int r = xs.Length - 2;
        if (r is < 1 or > 3)
        {
            ctx.Unsupported($"{r} spatial dimensions (kernels take 1–3)");
            return false;
        }
        var sp = Spatial.Read(ctx, r, ws[2..]);
        var (expr, first) = Epilogue.Get(ctx);
        bool hasBias = first > 2 && ctx.HasInput(2);
        var inputs = new List<KernelBuffer> { ctx.Input(0), ctx.Input(1) };
        if (hasBias)
        {
            inputs.Add(ctx.Input(2));
        }
        int epFirst = inputs.Count;
        for (int i = first; i < ctx.InputCount; i++)
        {
            inputs.Add(ctx.Input(i));
        }
        ctx.Emit(new ConvKernel((int)ctx.Int("group", 1), sp.Strides, sp.ResolvedPads(xs[2..]), sp.Dilations, hasBias,
            expr?.MapTypes(LowerContext.KernelType), epFirst)
        { Inputs = [.. inputs], Outputs = [ctx.Output(0)] });
        return true;
    }
}
