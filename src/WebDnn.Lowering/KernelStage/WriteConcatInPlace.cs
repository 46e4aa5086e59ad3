using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// Removes the copies that only place a whole buffer, in order, into a contiguous range of a larger one (a Concat's
/// pieces along the outermost non-unit axis, e.g. channels at batch 1): the piece becomes a view of that range
/// (<see cref="KernelBuffer.AliasOffset"/>), so its producer writes the concat output directly. A piece that is itself a
/// concat output whose pieces are already in place moves with them (Inception's nested concats). Piece offsets are
/// multiples of <paramref name="pieceAlignment"/> bytes (default: the target's buffer alignment, for wasm's byte
/// addresses; WebGPU binds from the 256-byte boundary below a view and indexes from the view's element base there, so 4).
/// </summary>
/// <remarks>
/// Safe when the piece is an activation (with its views) written only by kernels before the copy, and the concat
/// output is written only by copies whose ranges miss the piece's and read by no kernel before the copy: then moving the
/// piece's storage into the output changes no value any kernel reads. Runs after packing, before memory planning.
/// </remarks>
public sealed class WriteConcatInPlace(int? pieceAlignment = null) : IKernelPass
{
    public string Name => "concat-in-place";

    public void Run(TargetProgram tp)
    {
        var p = tp.Program;
        int align = pieceAlignment ?? tp.Target.BufferAlignment;
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
        // x and its views (pieces placed in it earlier, reshapes): all move with x
        var views = p.Buffers.Where(b => Within(b, x)).ToHashSet();
        if (views.Any(v => v.DataType == DataType.Bool) || p.Inputs.Concat(p.Outputs).Any(io => views.Contains(io.KernelBuffer) || io.KernelBuffer == y))
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
            if (other.Outputs.Any(views.Contains))
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
        return writers >= 1;
    }

    /// <summary>Whether <paramref name="x"/> is on <paramref name="b"/>'s alias chain (b itself included).</summary>
    private static bool Within(KernelBuffer b, KernelBuffer x)
    {
        for (var v = b; v is not null; v = v.AliasOf)
        {
            if (v == x)
            {
                return true;
            }
        }
        return false;
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
