using WebDnn.Core;
using WebDnn.Core.Kernels.Geometry;

namespace WebDnn.Ops;

/// <summary>Shape helpers shared by op inference and evaluation.</summary>
public static class Shapes
{
    /// <summary>Numpy broadcasting of symbolic shapes. Throws <paramref name="ctx"/>'s error when incompatible.</summary>
    public static Dim[] Broadcast(NodeContext ctx, params Dim[][] shapes)
    {
        int rank = shapes.Max(s => s.Length);
        var r = new Dim[rank];
        for (int i = 0; i < rank; i++)
        {
            Dim acc = 1;
            foreach (var s in shapes)
            {
                int j = i - (rank - s.Length);
                if (j < 0)
                {
                    continue;
                }
                var d = s[j];
                if (d.IsKnown && d.Value == 1)
                {
                    continue;
                }
                if (acc.IsKnown && acc.Value == 1)
                {
                    acc = d;
                }
                else if (d.IsKnown && acc.IsKnown && d.Value != acc.Value)
                {
                    throw ctx.Error($"shapes [{string.Join(",", shapes.Select(x => string.Join("x", x)))}] cannot be broadcast together (axis {i}: {acc} vs {d})");
                }
                else if (!acc.IsKnown && d.IsKnown)
                {
                    acc = d;
                }
            }
            r[i] = acc;
        }
        return r;
    }

    public static int[] Broadcast(NodeContext ctx, params int[][] shapes) =>
        Broadcast(ctx, shapes.Select(s => s.Select(d => Dim.Of(d)).ToArray()).ToArray()).Select(d => (int)d.Value).ToArray();

    public static Dim[] ToDims(int[] shape) => shape.Select(d => Dim.Of(d)).ToArray();

    public static Dim[] ToDims(long[] shape) => shape.Select(Dim.Of).ToArray();

    /// <summary>
    /// Maps an output flat index to the flat index in an input of shape <paramref name="inShape"/> broadcast to <paramref name="outShape"/>.
    /// Precompute with <see cref="BroadcastStrides"/> for loops.
    /// </summary>
    public static int[] BroadcastStrides(int[] inShape, int[] outShape) =>
        Array.ConvertAll(RowMajor.BroadcastStrides(inShape, outShape), s => (int)s);

    /// <summary>Calls <paramref name="body"/>(outIndex, inIndex0, inIndex1, …) for every element of <paramref name="outShape"/>.</summary>
    public static void ForEachBroadcast(int[] outShape, int[][] inShapes, Action<int, int[]> body)
    {
        long n = Tensor.ElementCount(outShape);
        int rank = outShape.Length;
        var strides = inShapes.Select(s => BroadcastStrides(s, outShape)).ToArray();
        var idx = new int[rank];
        var offs = new int[inShapes.Length];
        for (int i = 0; i < n; i++)
        {
            body(i, offs);
            Advance(outShape, idx, offs, strides);
        }
    }

    /// <summary>
    /// Steps the output multi-index <paramref name="idx"/> by one element (row-major) and moves every input offset
    /// in <paramref name="offs"/> along its broadcast <paramref name="strides"/> (see <see cref="BroadcastStrides"/>).
    /// </summary>
    public static void Advance(int[] outShape, int[] idx, int[] offs, int[][] strides)
    {
        for (int d = outShape.Length - 1; d >= 0; d--)
        {
            idx[d]++;
            for (int k = 0; k < offs.Length; k++)
            {
                offs[k] += strides[k][d];
            }
            if (idx[d] < outShape[d])
            {
                return;
            }
            for (int k = 0; k < offs.Length; k++)
            {
                offs[k] -= strides[k][d] * outShape[d];
            }
            idx[d] = 0;
        }
    }
}
