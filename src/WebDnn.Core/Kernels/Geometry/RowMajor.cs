namespace WebDnn.Core.Kernels.Geometry;

/// <summary>Row-major strides and numpy broadcasting (right-aligned; a missing or size-1 dimension repeats), in elements.</summary>
public static class RowMajor
{
    /// <summary>
    /// Strides of an operand of <paramref name="shape"/> broadcast to <paramref name="outShape"/>: 0 where the operand
    /// repeats (its dimension is 1 and the output's is not, or the operand has fewer dimensions).
    /// </summary>
    public static long[] BroadcastStrides(IReadOnlyList<int> shape, IReadOnlyList<int> outShape)
    {
        var r = new long[outShape.Count];
        long acc = 1;
        for (int i = shape.Count - 1, o = outShape.Count - 1; o >= 0; i--, o--)
        {
            if (i < 0)
            {
                continue;
            }
            r[o] = shape[i] == 1 && outShape[o] != 1 ? 0 : acc;
            acc *= shape[i];
        }
        return r;
    }

    /// <summary>Row-major strides of <paramref name="shape"/>.</summary>
    public static long[] Strides(IReadOnlyList<int> shape) => BroadcastStrides(shape, shape);

    /// <summary>The flat offset of multi-index <paramref name="index"/> under <paramref name="strides"/>.</summary>
    public static long Offset(ReadOnlySpan<int> index, ReadOnlySpan<long> strides)
    {
        long at = 0;
        for (int d = 0; d < index.Length; d++)
        {
            at += index[d] * strides[d];
        }
        return at;
    }

    /// <summary>Steps <paramref name="index"/> to the next element of <paramref name="shape"/> (last axis fastest); false after the last.</summary>
    public static bool Next(Span<int> index, ReadOnlySpan<int> shape)
    {
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (++index[d] < shape[d])
            {
                return true;
            }
            index[d] = 0;
        }
        return false;
    }
}
