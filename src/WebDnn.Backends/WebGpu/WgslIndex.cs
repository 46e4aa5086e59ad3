namespace WebDnn.Backends.WebGpu;

/// <summary>Index arithmetic for generated shaders: flat indices to strided offsets, with the dimensions merged that allow it.</summary>
internal static class WgslIndex
{
    /// <summary>
    /// The i32 expression Σ_d ((flat / P_d) % n_d) · s_d + offset, where P_d is the row-major stride of dim d in
    /// <paramref name="shape"/>. Size-1 and stride-0 dimensions vanish, and neighbours that are contiguous for this operand
    /// merge, so a contiguous operand costs nothing but <paramref name="flat"/> itself.
    /// </summary>
    public static string Offset(string flat, IReadOnlyList<int> shape, IReadOnlyList<long> strides, long offset = 0)
    {
        var groups = new List<(long N, long P, long S)>();
        long p = 1;
        bool adjacent = false;
        for (int d = shape.Count - 1; d >= 0; d--)
        {
            long n = shape[d], s = strides[d];
            if (n == 1)
            {
                continue;
            }
            if (s == 0)
            {
                p *= n;
                adjacent = false;
                continue;
            }
            if (adjacent && groups[^1].S * groups[^1].N == s)
            {
                groups[^1] = (groups[^1].N * n, groups[^1].P, groups[^1].S);
            }
            else
            {
                groups.Add((n, p, s));
            }
            adjacent = true;
            p *= n;
        }
        long total = p;
        var terms = new List<string>();
        foreach (var (n, gp, s) in groups)
        {
            string q = gp == 1 ? flat : $"({flat} / {WgslWriter.I32(gp)})";
            if (gp * n < total)
            {
                q = $"({q} % {WgslWriter.I32(n)})";
            }
            terms.Add(s == 1 ? q : $"{q} * {WgslWriter.I32(s)}");
        }
        if (offset != 0 || terms.Count == 0)
        {
            terms.Add(WgslWriter.I32(offset));
        }
        return terms.Count == 1 ? terms[0] : $"({string.Join(" + ", terms)})";
    }

    /// <summary>Coordinate <paramref name="d"/> of <paramref name="flat"/> in row-major <paramref name="shape"/>.</summary>
    public static string Coord(string flat, IReadOnlyList<int> shape, int d)
    {
        long inner = 1;
        for (int i = d + 1; i < shape.Count; i++)
        {
            inner *= shape[i];
        }
        string q = inner == 1 ? flat : $"({flat} / {WgslWriter.I32(inner)})";
        return d == 0 ? q : $"({q} % {WgslWriter.I32(shape[d])})";
    }

    /// <summary>Row-major strides of <paramref name="shape"/> broadcast (numpy-style) to <paramref name="outShape"/>.</summary>
    public static long[] Broadcast(IReadOnlyList<int> shape, IReadOnlyList<int> outShape) => Core.Kernels.Geometry.RowMajor.BroadcastStrides(shape, outShape);

    public static long[] Contiguous(IReadOnlyList<int> shape) => Core.Kernels.Geometry.RowMajor.Strides(shape);
}
