namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// gather (ONNX Gather): out[a.., i.., b..] = data[a.., indices[i..], b..] along <see cref="GatherKernel.Axis"/>;
/// negative indices count from the end; an index outside [-n, n) is an error.
/// </summary>
public static class GatherReference
{
    public static void Run(GatherKernel k, Tensor data, Tensor indices, Tensor output)
    {
        var ds = data.Shape;
        int axis = k.Axis;
        long outer = Tensor.ElementCount(ds.AsSpan(0, axis)), inner = Tensor.ElementCount(ds.AsSpan(axis + 1));
        int dim = ds[axis];
        if (outer * indices.Length * inner != output.Length)
        {
            throw new ArgumentException($"gather output of {output.Length} elements for {outer}x{indices.Length}x{inner}");
        }
        long o = 0;
        for (long a = 0; a < outer; a++)
        {
            for (int i = 0; i < indices.Length; i++)
            {
                long j = indices.GetLong(i);
                j = j < 0 ? j + dim : j;
                if (j < 0 || j >= dim)
                {
                    throw new ArgumentException($"gather index {indices.GetLong(i)} is outside [-{dim}, {dim})");
                }
                Array.Copy(data.Data, (a * dim + j) * inner, output.Data, o, inner);
                o += inner;
            }
        }
    }
}
