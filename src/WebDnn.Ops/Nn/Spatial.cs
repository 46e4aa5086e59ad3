using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// Spatial attributes shared by Conv, ConvTranspose and the pools (kernel_shape, strides, dilations, pads, auto_pad)
/// and the output-size rules of ONNX:
/// NOTSET: out = floor((in + pb + pe - ((k-1)·d+1)) / s) + 1 (ceil instead of floor in ceil_mode, dropping a last
/// window that would start past the input and its begin padding);
/// VALID: the same with zero pads; SAME_UPPER / SAME_LOWER: out = ceil(in / s) with total padding
/// max(0, (out-1)·s + (k-1)·d + 1 - in) split evenly, the odd element at the end (UPPER) or the beginning (LOWER).
/// </summary>
public sealed record Spatial(int[] Kernel, int[] Strides, int[] Dilations, int[] Pads, string AutoPad)
{
    public int Rank => Kernel.Length;

    /// <summary>Reads the attributes; <paramref name="kernel"/> is kernel_shape or the weight's spatial dims.</summary>
    public static Spatial Read(NodeContext ctx, int rank, int[]? kernel)
    {
        var k = ctx.Ints("kernel_shape") is { } ks ? ks.Select(v => Small(ctx, "kernel_shape", v)).ToArray() : kernel ?? throw ctx.Error("kernel_shape is required");
        if (k.Length != rank)
        {
            throw ctx.Error($"kernel_shape has {k.Length} dims but the input has {rank} spatial dims");
        }
        int[] Read(string name, int fill, int len)
        {
            var v = ctx.Ints(name);
            if (v is null || v.Length == 0)
            {
                return Enumerable.Repeat(fill, len).ToArray();
            }
            if (v.Length != len)
            {
                throw ctx.Error($"attribute '{name}' has {v.Length} values, expected {len}");
            }
            return v.Select(x => Small(ctx, name, x)).ToArray();
        }
        var s = Read("strides", 1, rank);
        var d = Read("dilations", 1, rank);
        var p = Read("pads", 0, 2 * rank);
        if (s.Any(x => x <= 0) || d.Any(x => x <= 0) || k.Any(x => x <= 0))
        {
            throw ctx.Error("kernel_shape, strides and dilations must be positive");
        }
        if (p.Any(x => x < 0))
        {
            throw ctx.Error("pads must be non-negative");
        }
        var autoPad = ctx.Str("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
        {
            throw ctx.Error($"auto_pad '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
        }
        return new Spatial(k, s, d, p, autoPad);
    }

    /// <summary>Largest kernel size, stride, dilation or pad accepted: output sizes then stay within 64-bit arithmetic.</summary>
    public const int MaxAttributeValue = 1 << 24;

    private static int Small(NodeContext ctx, string name, long v) =>
        Math.Abs(v) <= MaxAttributeValue ? (int)v : throw ctx.Error($"attribute '{name}' has value {v}, out of range (|v| <= {MaxAttributeValue})");

    /// <summary>Output size and resolved pads of spatial axis <paramref name="i"/>.</summary>
    public (long Out, int PadBegin, int PadEnd) Axis(int i, long inSize, bool ceilMode = false)
    {
        long ek = (long)(Kernel[i] - 1) * Dilations[i] + 1;
        int s = Strides[i];
        if (AutoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            long o = (inSize + s - 1) / s;
            int total = checked((int)Math.Max(0, (o - 1) * s + ek - inSize));
            int pb = AutoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            return (o, pb, total - pb);
        }
        int b = AutoPad == "VALID" ? 0 : Pads[i], e = AutoPad == "VALID" ? 0 : Pads[i + Rank];
        long span = inSize + b + e - ek;
        if (span < 0)
        {
            return (0, b, e);
        }
        long outSize = ceilMode ? (span + s - 1) / s + 1 : span / s + 1;
        if (ceilMode && (outSize - 1) * s >= inSize + b)
        {
            outSize--;
        }
        return (outSize, b, e);
    }

    /// <summary>Symbolic output dims (unknown where the input dim is unknown).</summary>
    public Dim[] OutDims(NodeContext ctx, Dim[] inSpatial, bool ceilMode = false)
    {
        var r = new Dim[Rank];
        for (int i = 0; i < Rank; i++)
        {
            if (!inSpatial[i].IsKnown)
            {
                r[i] = Dim.Unknown;
                continue;
            }
            long o = Axis(i, inSpatial[i].Value, ceilMode).Out;
            if (o <= 0)
            {
                throw ctx.Error($"spatial axis {i} of size {inSpatial[i]} is smaller than the kernel extent");
            }
            r[i] = o;
        }
        return r;
    }

    /// <summary>Resolved [begin.., end..] pads for concrete input sizes.</summary>
    public int[] ResolvedPads(int[] inSpatial, bool ceilMode = false)
    {
        var p = new int[2 * Rank];
        for (int i = 0; i < Rank; i++)
        {
            var (_, b, e) = Axis(i, inSpatial[i], ceilMode);
            p[i] = b;
            p[i + Rank] = e;
        }
        return p;
    }
}

/// <summary>Float conversion helpers of the reference evaluators (they compute in f32 and round to the output type).</summary>
public static class NnData
{
    /// <summary>A tensor of type <paramref name="dt"/> from f32 values (no copy for f32).</summary>
    public static Tensor FromFloats(DataType dt, int[] shape, float[] data)
    {
        if (dt == DataType.Float32)
        {
            return new Tensor(dt, shape, data);
        }
        var r = Tensor.Zeros(dt, shape);
        for (int i = 0; i < data.Length; i++)
        {
            r.SetDouble(i, data[i]);
        }
        return r;
    }

    /// <summary>Pads a 1–3-d spatial description to exactly 3 dims (leading size-1 axes).</summary>
    public static int[] To3(int[] v, int fill)
    {
        var r = new int[3];
        int off = 3 - v.Length;
        for (int i = 0; i < 3; i++)
        {
            r[i] = i < off ? fill : v[i - off];
        }
        return r;
    }

    /// <summary>Requires a float element type for ops defined on floats only.</summary>
    public static void RequireFloat(NodeContext ctx, DataType t, string what = "input")
    {
        if (!t.IsFloat())
        {
            throw ctx.Error($"{what} must be a float tensor, got {t.ShortName()}");
        }
    }
}
