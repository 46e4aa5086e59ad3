namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// gather_elements (ONNX GatherElements): out[idx] = data[idx with idx[axis] = indices[idx]] over the indices' shape;
/// negative indices count from the end; an index outside [-n, n), or indices longer than the data on another axis, is an error.
/// </summary>
public static class GatherElementsReference
{
    public static void Run(GatherElementsKernel k, Tensor data, Tensor indices, Tensor output)
    {
        var ds = Geometry.RowMajor.Strides(data.Shape);
        var ishape = indices.Shape;
        if (ishape.Length != data.Rank || ishape.Where((d, a) => a != k.Axis && d > data.Shape[a]).Any())
        {
            throw new ArgumentException($"gather_elements indices [{string.Join(",", ishape)}] do not fit data [{string.Join(",", data.Shape)}]");
        }
        var idx = new int[ishape.Length];
        for (int e = 0; e < indices.Length; e++)
        {
            long off = 0;
            for (int d = 0; d < idx.Length; d++)
            {
                long c = idx[d];
                if (d == k.Axis)
                {
                    int n = data.Shape[d];
                    c = indices.GetLong(e);
                    c = c < 0 ? c + n : c;
                    if (c < 0 || c >= n)
                    {
                        throw new ArgumentException($"gather_elements index {indices.GetLong(e)} is outside [-{n}, {n})");
                    }
                }
                off += c * ds[d];
            }
            Array.Copy(data.Data, off, output.Data, e, 1);
            Geometry.RowMajor.Next(idx, ishape);
        }
    }
}
