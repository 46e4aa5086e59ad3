using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX ConvTranspose (opset 1, 11, 22): X [N, C, *S], W [C, M/group, *K], optional B [M]; every input element scatters
/// Y[n, g·M/G + m, i·s - pad_begin + k·d] += X[n, g·C/G + c, i] · W[g·C/G + c, m, k], then + B.
/// Output size per axis: output_shape if given, else s·(in-1) + output_padding + (k-1)·d + 1 - pad_begin - pad_end.
/// auto_pad SAME_UPPER / SAME_LOWER (without explicit pads) target output in·s (or output_shape) and split the total
/// padding s·(in-1) + output_padding + (k-1)·d + 1 - out with the odd element at the end (UPPER) / beginning (LOWER).
/// A fused epilogue (<see cref="Epilogue"/>) is applied to Y. Evaluated as GEMM (Wᵀ·X) + col2im in f32.
/// </summary>
public sealed class ConvTranspose : OpDef
{
    public override string OpType => "ConvTranspose";

    public override FusionKind Fusion => FusionKind.OutputFusable;

    /// <summary>Output spatial sizes and [begin.., end..] pads for concrete input sizes.</summary>
    private static (int[] Out, int[] Pads) Geometry(NodeContext ctx, Spatial sp, int[] inSp)
    {
        int r = inSp.Length;
        var outPad = ctx.Ints("output_padding")?.Select(v => (int)v).ToArray() ?? new int[r];
        if (outPad.Length < r)
        {
            throw ctx.Error($"output_padding has {outPad.Length} values, expected {r}");
        }
        var outShape = ctx.Ints("output_shape")?.Select(v => (int)v).ToArray();
        if (outShape is not null && outShape.Length >= r)
        {
            outShape = outShape[^r..];
        }
        else
        {
            outShape = null;
        }
        var o = new int[r];
        var pads = new int[2 * r];
        bool same = sp.AutoPad is "SAME_UPPER" or "SAME_LOWER" && ctx.Ints("pads") is null;
        for (int i = 0; i < r; i++)
        {
            int full = sp.Strides[i] * (inSp[i] - 1) + outPad[i] + (sp.Kernel[i] - 1) * sp.Dilations[i] + 1;
            if (same)
            {
                o[i] = outShape?[i] ?? inSp[i] * sp.Strides[i];
                int total = full - o[i];
                int half = total / 2;
                pads[i] = sp.AutoPad == "SAME_UPPER" ? half : total - half;
                pads[i + r] = total - pads[i];
            }
            else
            {
                pads[i] = sp.AutoPad == "VALID" ? 0 : sp.Pads[i];
                pads[i + r] = sp.AutoPad == "VALID" ? 0 : sp.Pads[i + r];
                o[i] = outShape?[i] ?? full - pads[i] - pads[i + r];
                pads[i + r] = full - pads[i] - o[i];
            }
            if (o[i] <= 0)
            {
                throw ctx.Error($"output spatial axis {i} would have size {o[i]}");
            }
        }
        return (o, pads);
    }

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
        if (x.Rank < 3 || w.Shape is not null && w.Rank != x.Rank)
        {
            throw ctx.Error($"input {x} and weight {w} ranks do not fit (both N, C and at least one spatial axis)");
        }
        int r = x.Rank - 2;
        long group = ctx.Int("group", 1);
        Dim m = w.Shape is not null && w.Shape[1].IsKnown ? w.Shape[1].Value * group : Dim.Unknown;
        int[]? wk = w.Shape is not null && w.Shape.Skip(2).All(d => d.IsKnown) ? w.Shape.Skip(2).Select(d => (int)d.Value).ToArray() : null;
        var outSp = Enumerable.Repeat(Dim.Unknown, r).ToArray();
        if ((wk is not null || ctx.HasAttr("kernel_shape")) && x.Shape[2..].All(d => d.IsKnown))
        {
            var sp = Spatial.Read(ctx, r, wk);
            outSp = Shapes.ToDims(Geometry(ctx, sp, x.Shape[2..].Select(d => (int)d.Value).ToArray()).Out);
        }
        ctx.SetOutput(0, dt, [x.Shape[0], m, .. outSp]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var w = ctx.Input(1);
        var (_, first) = Epilogue.Get(ctx);
        var bias = first > 2 ? ctx.OptionalInput(2)?.ToFloats() : null;
        int r = x.Rank - 2;
        if (r < 1 || w.Rank != x.Rank)
        {
            throw ctx.Error($"input [{string.Join(",", x.Shape)}] and weight [{string.Join(",", w.Shape)}] ranks do not fit");
        }
        var sp = Spatial.Read(ctx, r, w.Shape[2..]);
        int group = (int)ctx.Int("group", 1);
        int n = x.Shape[0], c = x.Shape[1], mg = w.Shape[1], m = mg * group;
        if (group <= 0 || c % group != 0 || w.Shape[0] != c)
        {
            throw ctx.Error($"channels do not fit: input {c}, weight [{string.Join(",", w.Shape)}], group {group}");
        }
        var (outSp, pads) = Geometry(ctx, sp, x.Shape[2..]);
        var i3 = NnData.To3(x.Shape[2..], 1);
        var o3 = NnData.To3(outSp, 1);
        var k3 = NnData.To3(w.Shape[2..], 1);
        var s3 = NnData.To3(sp.Strides, 1);
        var d3 = NnData.To3(sp.Dilations, 1);
        var p3 = NnData.To3(pads[..r], 0);
        int inSize = i3[0] * i3[1] * i3[2], outSize = o3[0] * o3[1] * o3[2], kSize = k3[0] * k3[1] * k3[2];
        int cg = c / group, rows = mg * kSize;
        var fx = x.ToFloats();
        var fw = w.ToFloats();
        var y = new float[(long)n * m * outSize];
        var cols = new float[(long)rows * inSize];
        for (int g = 0; g < group; g++)
        {
            // Wᵀ of this group: [mg·k, cg].
            var wt = Gemm.Transpose(fw.AsSpan(g * cg * rows, cg * rows).ToArray(), cg, rows);
            for (int b = 0; b < n; b++)
            {
                Sgemm.Multiply(rows, inSize, cg, wt, 0, cg, Sgemm.RowMajor(fx, (b * c + g * cg) * inSize, inSize, cg), cols, 0, inSize, false);
                int yBase = (b * m + g * mg) * outSize;
                Parallel.For(0, mg, mm =>
                {
                    int yOff = yBase + mm * outSize;
                    for (int kz = 0; kz < k3[0]; kz++)
                    {
                        for (int ky = 0; ky < k3[1]; ky++)
                        {
                            for (int kx = 0; kx < k3[2]; kx++)
                            {
                                int row = ((mm * k3[0] + kz) * k3[1] + ky) * k3[2] + kx;
                                int ci = row * inSize;
                                for (int iz = 0; iz < i3[0]; iz++)
                                {
                                    int oz = iz * s3[0] - p3[0] + kz * d3[0];
                                    if ((uint)oz >= (uint)o3[0])
                                    {
                                        continue;
                                    }
                                    for (int iy = 0; iy < i3[1]; iy++)
                                    {
                                        int oy = iy * s3[1] - p3[1] + ky * d3[1];
                                        if ((uint)oy >= (uint)o3[1])
                                        {
                                            continue;
                                        }
                                        int src = ci + (iz * i3[1] + iy) * i3[2];
                                        int dst = yOff + (oz * o3[1] + oy) * o3[2];
                                        for (int ix = 0; ix < i3[2]; ix++)
                                        {
                                            int ox = ix * s3[2] - p3[2] + kx * d3[2];
                                            if ((uint)ox < (uint)o3[2])
                                            {
                                                y[dst + ox] += cols[src + ix];
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    if (bias is not null)
                    {
                        float bv = bias[g * mg + mm];
                        var span = y.AsSpan(yOff, outSize);
                        System.Numerics.Tensors.TensorPrimitives.Add(span, bv, span);
                    }
                });
            }
        }
        var result = NnData.FromFloats(x.DataType, [n, m, .. outSp], y);
        ctx.SetOutput(0, Epilogue.Apply(ctx, result));
    }

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
        var (_, pads) = Geometry(ctx, sp, xs[2..]);
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
        ctx.Emit(new ConvTransposeKernel((int)ctx.Int("group", 1), sp.Strides, pads, sp.Dilations, hasBias, expr?.MapTypes(LowerContext.KernelType), epFirst)
        { Inputs = [.. inputs], Outputs = [ctx.Output(0)] });
        return true;
    }
}
