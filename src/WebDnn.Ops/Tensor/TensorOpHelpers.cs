using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// Shared pieces of the tensor (data movement) ops: element gathers over typed storage, index iteration,
/// reading integer constant inputs, symbolic products and the <see cref="CopyKernel"/> builders.
/// </summary>
internal static class TensorOpHelpers
{
    /// <summary>
    /// A new tensor of <paramref name="src"/>'s type and shape <paramref name="shape"/> with
    /// dst[i] = src[index[i]]; index -1 writes <paramref name="fill"/> (converted to the element type).
    /// Works for every element type, strings included.
    /// </summary>
    public static Tensor Take(Tensor src, int[] shape, int[] index, double fill = 0)
    {
        var dst = Tensor.Zeros(src.DataType, shape);
        switch (src.Data)
        {
            case float[] s: Take(s, (float[])dst.Data, index); break;
            case double[] s: Take(s, (double[])dst.Data, index); break;
            case Half[] s: Take(s, (Half[])dst.Data, index); break;
            case long[] s: Take(s, (long[])dst.Data, index); break;
            case int[] s: Take(s, (int[])dst.Data, index); break;
            case bool[] s: Take(s, (bool[])dst.Data, index); break;
            case ushort[] s: Take(s, (ushort[])dst.Data, index); break;
            case short[] s: Take(s, (short[])dst.Data, index); break;
            case byte[] s: Take(s, (byte[])dst.Data, index); break;
            case sbyte[] s: Take(s, (sbyte[])dst.Data, index); break;
            case uint[] s: Take(s, (uint[])dst.Data, index); break;
            case ulong[] s: Take(s, (ulong[])dst.Data, index); break;
            case string[] s: Take(s, (string[])dst.Data, index); break;
            default: throw new UnsupportedModelException($"element type {src.DataType} is not supported");
        }
        if (fill != 0 && dst.DataType != DataType.String)
        {
            for (int i = 0; i < index.Length; i++)
            {
                if (index[i] < 0)
                {
                    dst.SetDouble(i, fill);
                }
            }
        }
        return dst;
    }

    private static void Take<T>(T[] s, T[] d, int[] index)
    {
        for (int i = 0; i < index.Length; i++)
        {
            int j = index[i];
            if (j >= 0)
            {
                d[i] = s[j];
            }
        }
    }

    /// <summary>A deep copy of <paramref name="t"/> (the reference evaluators never mutate their inputs).</summary>
    public static Tensor Clone(Tensor t) => new(t.DataType, (int[])t.Shape.Clone(), (Array)t.Data.Clone());

    /// <summary>Copies element <paramref name="si"/> of <paramref name="src"/> to element <paramref name="di"/> of <paramref name="dst"/> (same type).</summary>
    public static void CopyElement(Tensor src, int si, Tensor dst, int di) => Array.Copy(src.Data, si, dst.Data, di, 1);

    /// <summary>Calls <paramref name="body"/>(flatIndex, coordinates) for each element of <paramref name="shape"/> in row-major order.</summary>
    public static void ForEachIndex(int[] shape, Action<int, int[]> body)
    {
        long n = Tensor.ElementCount(shape);
        var idx = new int[shape.Length];
        for (int i = 0; i < n; i++)
        {
            body(i, idx);
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++idx[d] < shape[d])
                {
                    break;
                }
                idx[d] = 0;
            }
        }
    }

    /// <summary>Flat row-major offset of <paramref name="coords"/> with <paramref name="strides"/>.</summary>
    public static int Offset(int[] coords, int[] strides)
    {
        int o = 0;
        for (int i = 0; i < coords.Length; i++)
        {
            o += coords[i] * strides[i];
        }
        return o;
    }

    /// <summary>The values of an integer (or float) tensor as longs.</summary>
    public static long[] Longs(Tensor t) => t.ToLongs();

    /// <summary>Converts a shape given as longs to ints, rejecting negative or absurd sizes.</summary>
    public static int[] CheckedShape(NodeContext ctx, IEnumerable<long> dims)
    {
        var r = dims.ToArray();
        foreach (var d in r)
        {
            if (d < 0 || d > Tensor.MaxElements)
            {
                throw ctx.Error($"invalid output dimension {d} in [{string.Join(",", r)}]");
            }
        }
        var shape = r.Select(d => (int)d).ToArray();
        Tensor.ElementCount(shape);
        return shape;
    }

    /// <summary>Product of symbolic dims: known when all are known; a lone symbolic dim times ones stays that dim.</summary>
    public static Dim Product(IEnumerable<Dim> dims)
    {
        long p = 1;
        Dim? sym = null;
        int unknown = 0;
        foreach (var d in dims)
        {
            if (d.IsKnown)
            {
                p *= d.Value;
            }
            else
            {
                unknown++;
                sym = d;
            }
        }
        if (unknown == 0)
        {
            return Dim.Of(p);
        }
        return unknown == 1 && p == 1 ? sym!.Value : Dim.Unknown;
    }

    /// <summary>Sum of dims: known when all are known, else unknown (a single non-zero symbolic term stays itself).</summary>
    public static Dim Sum(IEnumerable<Dim> dims)
    {
        long s = 0;
        Dim? sym = null;
        int unknown = 0;
        foreach (var d in dims)
        {
            if (d.IsKnown)
            {
                s += d.Value;
            }
            else
            {
                unknown++;
                sym = d;
            }
        }
        if (unknown == 0)
        {
            return Dim.Of(s);
        }
        return unknown == 1 && s == 0 ? sym!.Value : Dim.Unknown;
    }

    /// <summary>Merges two dims that must be equal: prefers a known value; throws when both are known and differ.</summary>
    public static Dim Merge(NodeContext ctx, Dim a, Dim b, string what)
    {
        if (a.IsKnown && b.IsKnown && a.Value != b.Value)
        {
            throw ctx.Error($"{what}: {a.Value} vs {b.Value}");
        }
        return a.IsKnown ? a : b.IsKnown ? b : a.Symbol is not null ? a : b;
    }

    /// <summary>Reads an optional integer list from input <paramref name="i"/> (evaluation), or null when absent or empty-named.</summary>
    public static long[]? OptionalLongs(EvalContext ctx, int i) => ctx.OptionalInput(i) is { } t ? t.ToLongs() : null;

    /// <summary>
    /// Row-major <see cref="CopyKernel"/> over <paramref name="shape"/>: the identity/affine map described by
    /// inAxis/inStep/inStart from an input viewed as <paramref name="inShape"/>, writing a contiguous output.
    /// </summary>
    public static CopyKernel Copy(int[] shape, int[] inShape, int[] inAxis, int[] inStep, int[] inStart, PadMode mode = PadMode.None,
        double padValue = 0, int outOffset = 0, int[]? outStrides = null) =>
        new(shape, inShape, inAxis, inStep, inStart, outOffset, outStrides ?? Tensor.Strides(shape), mode, padValue)
        {
            Inputs = [],
            Outputs = [],
        };

    public static int[] Iota(int n) => Enumerable.Range(0, n).ToArray();

    public static int[] Fill(int n, int v) => Enumerable.Repeat(v, n).ToArray();
}
