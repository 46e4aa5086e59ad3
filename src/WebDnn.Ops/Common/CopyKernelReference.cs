using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops;

/// <summary>
/// The reference semantics of <see cref="CopyKernel"/> on concrete tensors: what every backend's copy kernel must do.
/// Used by tests to check that a lowering to copies computes what the op's reference evaluator computes.
/// </summary>
public static class CopyKernelReference
{
    /// <summary>
    /// Runs <paramref name="k"/> reading <paramref name="input"/> (viewed as <see cref="CopyKernel.InShape"/>) and writing
    /// into <paramref name="output"/> (same element type, any shape: only its flat storage is addressed).
    /// For each iteration index idx over <see cref="CopyKernel.Shape"/>: input coordinate
    /// j = InStart[j] + Σ_k (InAxis[k] == j ? InStep[k]·idx[k] : 0); coordinates outside [0, InShape[j]) follow the mode
    /// (Constant: the element is PadValue; Edge: clamp; Reflect: mirror without repeating the edge; Wrap: modulo;
    /// None: an error). The element written is OutOffset + Σ_k idx[k]·OutStrides[k].
    /// </summary>
    public static void Execute(CopyKernel k, Tensor input, Tensor output)
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
            if (pad)
            {
                output.SetDouble((int)outIndex, k.PadValue);
            }
            else
            {
                Array.Copy(input.Data, (int)inIndex, output.Data, (int)outIndex, 1);
            }
            for (int a = rank - 1; a >= 0; a--)
            {
                if (++idx[a] < k.Shape[a])
                {
                    break;
                }
                idx[a] = 0;
            }
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
