namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// copy (the index map): for each iteration index idx over <see cref="CopyKernel.Shape"/>, input coordinate
/// j = InStart[j] + Σ_k (InAxis[k] == j ? InStep[k]·idx[k] : 0) of the input viewed as <see cref="CopyKernel.InShape"/>;
/// coordinates outside [0, InShape[j]) follow the mode (Constant: the element is PadValue; Edge: clamp; Reflect: mirror
/// without repeating the edge; Wrap: modulo; None: an error). The element written is OutOffset + Σ_k idx[k]·OutStrides[k]
/// of the output's flat storage. Elements move unchanged (any element type).
/// </summary>
public static class CopyReference
{
    public static void Run(CopyKernel k, Tensor input, Tensor output)
    {
        if (input.DataType != output.DataType)
        {
            throw new ArgumentException($"copy from {input.DataType} to {output.DataType}");
        }
        int rank = k.Shape.Length, inRank = k.InShape.Length;
        if (k.InAxis.Length != rank || k.InStep.Length != rank || k.OutStrides.Length != rank || k.InStart.Length != inRank)
        {
            throw new ArgumentException("copy kernel parameter lengths do not match its ranks");
        }
        if (Tensor.ElementCount(k.InShape) != input.Length)
        {
            throw new ArgumentException($"input of {input.Length} elements viewed as [{string.Join(",", k.InShape)}]");
        }
        var inStrides = Tensor.Strides(k.InShape);
        var idx = new int[rank];
        var coord = new long[inRank];
        long n = Tensor.ElementCount(k.Shape);
        for (long e = 0; e < n; e++)
        {
            for (int j = 0; j < inRank; j++)
            {
                coord[j] = k.InStart[j];
            }
            long outIndex = k.OutOffset;
            for (int a = 0; a < rank; a++)
            {
                if (k.InAxis[a] >= 0)
                {
                    coord[k.InAxis[a]] += (long)k.InStep[a] * idx[a];
                }
                outIndex += (long)idx[a] * k.OutStrides[a];
            }
            long inIndex = 0;
            bool pad = false;
            for (int j = 0; j < inRank && !pad; j++)
            {
                long c = coord[j], size = k.InShape[j];
                if (c < 0 || c >= size)
                {
                    switch (k.Mode)
                    {
                        case PadMode.Constant: pad = true; break;
                        case PadMode.Edge: c = Math.Clamp(c, 0, size - 1); break;
                        case PadMode.Wrap: c = ((c % size) + size) % size; break;
                        case PadMode.Reflect: c = Reflect(c, size); break;
                        default: throw new ArgumentException($"copy kernel reads coordinate {c} of axis {j} (size {size}) with mode None");
                    }
                }
                inIndex += c * inStrides[j];
            }
            if (outIndex < 0 || outIndex >= output.Length)
            {
                throw new ArgumentException($"copy kernel writes element {outIndex} of {output.Length}");
            }
            if (pad)
            {
                output.SetDouble((int)outIndex, k.PadValue);
            }
            else
            {
                Array.Copy(input.Data, (int)inIndex, output.Data, (int)outIndex, 1);
            }
            Geometry.RowMajor.Next(idx, k.Shape);
        }
    }

    /// <summary>numpy 'reflect': mirror about the first and last element without repeating them (period 2·(n−1)).</summary>
    public static long Reflect(long c, long size)
    {
        if (size == 1)
        {
            return 0;
        }
        long period = 2 * (size - 1);
        c = ((c % period) + period) % period;
        return c < size ? c : period - c;
    }
}
