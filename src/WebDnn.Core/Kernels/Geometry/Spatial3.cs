namespace WebDnn.Core.Kernels.Geometry;

/// <summary>
/// The spatial geometry of a conv, conv_transpose or pool kernel with 1-3 spatial dimensions, padded to exactly three
/// (leading size-1 axes, stride 1, pad 0, dilation 1), so backends write one code path for every rank.
/// </summary>
public sealed record Spatial3(long[] In, long[] Out, long[] Kernel, long[] Strides, long[] PadsBegin, long[] PadsEnd, long[] Dilations)
{
    /// <summary>Pads the last <c>kernel.Length</c> axes of <paramref name="inShape"/>/<paramref name="outShape"/> (and the parameters) to three.</summary>
    public static Spatial3 Of(int[] inShape, int[] outShape, int[] kernel, int[] strides, int[] pads, int[] dilations)
    {
        int s = kernel.Length;
        if (s is < 1 or > 3)
        {
            throw new NotSupportedException($"{s} spatial dimensions (1-3 supported)");
        }
        long[] Pad(IEnumerable<int> v, long fill) => [.. Enumerable.Repeat(fill, 3 - s), .. v.Select(x => (long)x)];
        return new Spatial3(
            Pad(inShape[^s..], 1), Pad(outShape[^s..], 1), Pad(kernel, 1),
            Pad(strides.Length == s ? strides : Enumerable.Repeat(1, s), 1),
            Pad(pads.Length == 2 * s ? pads[..s] : new int[s], 0),
            Pad(pads.Length == 2 * s ? pads[s..] : new int[s], 0),
            Pad(dilations.Length == s ? dilations : Enumerable.Repeat(1, s), 1));
    }

    public long InSize => In[0] * In[1] * In[2];

    public long OutSize => Out[0] * Out[1] * Out[2];

    public long KernelSize => Kernel[0] * Kernel[1] * Kernel[2];

    /// <summary>For each kernel tap t of <paramref name="axis"/>, the output range [lo, hi) whose input o*s - p + t*d is inside [0, In).</summary>
    public (long Lo, long Hi)[] ValidOut(int axis) => Enumerable.Range(0, (int)Kernel[axis]).Select(t =>
    {
        long off = t * Dilations[axis] - PadsBegin[axis];
        long lo = Math.Max(0, CeilDiv(-off, Strides[axis]));
        long hi = Math.Min(Out[axis], FloorDiv(In[axis] - 1 - off, Strides[axis]) + 1);
        return (lo, Math.Max(lo, hi));
    }).ToArray();

    public static long CeilDiv(long a, long b) => -FloorDiv(-a, b);

    public static long FloorDiv(long a, long b) => (long)Math.Floor((double)a / b);
}
