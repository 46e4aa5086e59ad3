using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// Removes the copies that only place a whole buffer, in order, into a contiguous range of a larger one (a Concat's
/// pieces along the outermost non-unit axis, e.g. channels at batch 1): the piece becomes a view of that range
/// (<see cref="KernelBuffer.AliasOffset"/>), so its producer writes the concat output directly. For a target whose
/// kernels take a byte address per buffer (wasm); a target that binds whole buffers (WebGPU) must not run it.
/// </summary>
/// <remarks>
/// Safe when the piece is an activation nothing else aliases, written by one kernel before the copy, and the concat
/// output is written only by copies whose ranges miss the piece's and read by no kernel before the copy: then moving the
/// piece's storage into the output changes no value any kernel reads. Runs after packing, before memory planning.
/// </remarks>
public sealed class WriteConcatInPlace : IKernelPass
{
    public string Name => "concat-in-place";

    public void Run(TargetProgram tp)
    {
        var p = tp.Program;
        int align = tp.Target.BufferAlignment;
        for (int i = 0; i < p.Kernels.Count; i++)
        {
            if (p.Kernels[i] is CopyKernel c && Fits(p, i, c, align))
            {
                var x = c.Inputs[0];
                x.AliasOf = c.Output;
                x.AliasOffset = c.OutOffset;
                p.Kernels.RemoveAt(i);
                i--;
            }
        }
    }

    private static bool Fits(KernelProgram p, int index, CopyKernel c, int align)
    {
        var x = c.Inputs[0];
        var y = c.Output;
        if (c.Inputs.Length != 1 || c.Outputs.Length != 1 || x == y || x.Kind != BufferKind.Activation || y.Kind != BufferKind.Activation
            || x.AliasOf is not null || y.AliasOf is not null || x.DataType != y.DataType || x.DataType == DataType.Bool || c.Mode != PadMode.None)
        {
            return false;
        }
        if (!IsPlacement(c, x) || c.OutOffset < 0 || c.OutOffset + x.Length > y.Length || (long)c.OutOffset * 4 % align != 0)
        {
            return false;
        }
        if (p.Buffers.Any(b => b.AliasOf == x) || p.Inputs.Concat(p.Outputs).Any(io => io.KernelBuffer == x || io.KernelBuffer == y))
        {
            return false;
        }
        int writers = 0;
        long lo = c.OutOffset, hi = c.OutOffset + x.Length;
        // pieces already placed in y (their copies are gone) keep their ranges
        if (p.Buffers.Any(b => b.AliasOf == y && b.AliasOffset < hi && lo < b.AliasOffset + b.Length))
        {
            return false;
        }
        for (int k = 0; k < p.Kernels.Count; k++)
        {
            var other = p.Kernels[k];
            if (k == index)
            {
                continue;
            }
            if (other.Outputs.Contains(x))
            {
                if (k > index || other.Inputs.Contains(y) || other.Outputs.Contains(y))
                {
                    return false;
                }
                writers++;
            }
            if (other.Outputs.Contains(y))
            {
                // another piece of the concat: must not overlap this one
                if (other is not CopyKernel oc || !(Written(oc) is var (a, b) && (b <= lo || a >= hi)))
                {
                    return false;
                }
            }
            else if (k < index && other.Inputs.Contains(y))
            {
                return false;
            }
        }
        return writers == 1;
    }

    /// <summary>Whether <paramref name="c"/> copies every element of <paramref name="x"/>, in row-major order, to consecutive output elements.</summary>
    private static bool IsPlacement(CopyKernel c, KernelBuffer x)
    {
        int rank = c.Shape.Length;
        if (Tensor.ElementCount(c.Shape) != x.Length || Tensor.ElementCount(c.InShape) != x.Length || c.InStart.Any(s => s != 0)
            || c.InAxis.Length != rank || c.InStep.Length != rank || c.OutStrides.Length != rank)
        {
            return false;
        }
        var dense = Tensor.Strides(c.Shape);
        var inStrides = Tensor.Strides(c.InShape);
        for (int a = 0; a < rank; a++)
        {
            if (c.Shape[a] == 1)
            {
                continue;
            }
            int j = c.InAxis[a];
            if (j < 0 || j >= inStrides.Length || (long)c.InStep[a] * inStrides[j] != dense[a] || c.OutStrides[a] != dense[a])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The half-open element range a copy writes (its bounding interval).</summary>
    private static (long Lo, long Hi) Written(CopyKernel c)
    {
        long lo = c.OutOffset, hi = c.OutOffset;
        for (int a = 0; a < c.Shape.Length; a++)
        {
            long span = (long)(c.Shape[a] - 1) * c.OutStrides[a];
            lo += Math.Min(0, span);
            hi += Math.Max(0, span);
        }
        return (lo, hi + 1);
    }
}
