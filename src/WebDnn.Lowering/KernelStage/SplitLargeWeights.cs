using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Lowering.KernelStage;

/// <summary>
/// Splits every kernel whose constant weight is larger than the target's <see cref="Target.MaxBindingBytes"/> (WebGPU:
/// the guaranteed 128 MiB binding) into pieces that each read a slice of the weight and compute a slice of the output,
/// joined by copies into the original output: a matmul with a weight B [.., K, N] along N (its output columns), one with
/// a weight A [.., M, K] along M, a convolution (group 1) and a transposed convolution (group 1) along their output
/// channels, a gather along an axis of its table other than the gathered one. Each piece gets its slice of the bias and
/// of the epilogue operands that vary along the split axis (a weight: sliced here; an activation: by a copy); operands
/// that broadcast along it are read whole. Pieces are as even as possible, a multiple of 64 wide where that still fits.
/// A matmul of at most <see cref="ChainMaxRows"/> output rows (a fully-connected layer) with a large B is cut along K
/// instead, into a chain: piece j multiplies A's columns and B's rows of its K range and adds piece j − 1's partial
/// product in its epilogue, the last one also the bias and the original epilogue. Each piece then keeps every output
/// column (a vector-matrix product needs them all to stream its weight at full speed) and no join is needed. On an H200,
/// VGG16's first FC layer took 0.125 ms whole, 0.35 ms as four column pieces with joins, 0.24 ms as a chain of four.
/// </summary>
/// <remarks>
/// Runs first (the pieces then get their algorithm, layout and packing like any kernel); a no-op on targets without a
/// binding limit (js, wasm). The original weight is dropped by <see cref="PlanTargetMemory"/> when no kernel reads it.
/// Weights of other kernels, and activations, are left as they are: the runtime asks the device for the larger limits
/// they need and names them when it cannot have them.
/// </remarks>
public sealed class SplitLargeWeights : IKernelPass
{
    /// <summary>Most pieces one kernel is cut into (a weight needing more stays whole, for the runtime's limits).</summary>
    public const int MaxPieces = 256;

    public string Name => "split-large-weights";

    /// <summary>Most output rows of a matmul cut along K (<see cref="GemmChain"/>): the skinny and vector-matrix GEMM tiles.</summary>
    public const int ChainMaxRows = 16;

    /// <summary>Which input holds the weight, the weight axis to cut and the output axis that follows it (-1: a K chain).</summary>
    private readonly record struct Cut(int Input, int WeightAxis, int OutputAxis);

    public void Run(TargetProgram tp)
    {
        long limit = tp.Target.MaxBindingBytes;
        var p = tp.Program;
        if (!p.Kernels.Any(k => k.Inputs.Any(b => IsLargeWeight(b, limit))))
        {
            return;
        }
        var output = new List<Kernel>(p.Kernels.Count);
        foreach (var k in p.Kernels)
        {
            if (CutOf(k, limit, tp.Target.MaxStorageBuffersPerKernel) is { } cut && Pieces(k.Inputs[cut.Input], cut.WeightAxis, limit) is { } pieces)
            {
                if (cut.OutputAxis < 0)
                {
                    GemmChain(p, (MatMulKernel)k, pieces, output);
                }
                else
                {
                    Split(p, k, cut, pieces, output);
                }
            }
            else
            {
                output.Add(k);
            }
        }
        p.Kernels.Clear();
        p.Kernels.AddRange(output);
    }

    private static bool IsLargeWeight(KernelBuffer b, long limit) => b.Kind == BufferKind.Weight && b.Root.Weight is not null && b.ByteLength > limit;

    private static Cut? CutOf(Kernel k, long limit, int maxBindings)
    {
        bool Large(int i) => i < k.Inputs.Length && IsLargeWeight(k.Inputs[i], limit);
        int outRank = k.Output.Shape.Length;
        // A chain's last piece binds one more buffer (the partial product), and a split-K GEMM a scratch buffer.
        bool chain = outRank >= 2 && k.Output.Shape[^2] <= ChainMaxRows && k.Inputs.Length + k.Outputs.Length + 2 <= maxBindings;
        return k switch
        {
            MatMulKernel when chain && Large(1) && k.Inputs[0].Shape.Length >= 2 && k.Inputs[1].Shape.Length >= 2 => new Cut(1, k.Inputs[1].Shape.Length - 2, -1),
            MatMulKernel when outRank >= 2 && Large(1) && k.Inputs[1].Shape.Length >= 2 => new Cut(1, k.Inputs[1].Shape.Length - 1, outRank - 1),
            MatMulKernel when outRank >= 2 && Large(0) && k.Inputs[0].Shape.Length >= 2 => new Cut(0, k.Inputs[0].Shape.Length - 2, outRank - 2),
            ConvKernel { Group: 1 } when Large(1) => new Cut(1, 0, 1),
            ConvTransposeKernel { Group: 1 } when Large(1) => new Cut(1, 1, 1),
            GatherKernel g when Large(0) => GatherCut(g),
            _ => null,
        };
    }

    /// <summary>A gather's table is cut along its largest axis other than the gathered one (its output axis shifts by the index rank).</summary>
    private static Cut? GatherCut(GatherKernel g)
    {
        var data = g.Inputs[0].Shape;
        int axis = g.Axis < 0 ? g.Axis + data.Length : g.Axis;
        int best = -1;
        for (int a = 0; a < data.Length; a++)
        {
            if (a != axis && (best < 0 || data[a] > data[best]))
            {
                best = a;
            }
        }
        return best < 0 ? null : new Cut(0, best, best < axis ? best : best + g.Inputs[1].Shape.Length - 1);
    }

    /// <summary>The start of each piece along the weight's <paramref name="axis"/> (and its end), or null when no cut fits.</summary>
    private static int[]? Pieces(KernelBuffer w, int axis, long limit)
    {
        int d = w.Shape[axis];
        long bytesPerSlice = d == 0 ? 0 : w.ByteLength / d;
        if (d < 2 || bytesPerSlice > limit)
        {
            return null;
        }
        long fits = limit / bytesPerSlice;   // widest piece that fits
        int count = (int)((d + fits - 1) / fits);
        foreach (int granule in new[] { 64, 4, 1 })
        {
            for (int n = count; n <= Math.Min(d, MaxPieces); n++)
            {
                long width = ((d + n - 1) / n + granule - 1) / granule * granule;
                if (width <= fits && width < d)
                {
                    int pieces = (int)((d + width - 1) / width);
                    return [.. Enumerable.Range(0, pieces).Select(i => (int)Math.Min(i * width, d)), d];
                }
            }
        }
        return null;
    }

    private static void Split(KernelProgram p, Kernel k, Cut cut, int[] bounds, List<Kernel> output)
    {
        var y = k.Output;
        for (int j = 0; j + 1 < bounds.Length; j++)
        {
            int start = bounds[j], length = bounds[j + 1] - start;
            var inputs = new KernelBuffer[k.Inputs.Length];
            for (int i = 0; i < inputs.Length; i++)
            {
                var b = k.Inputs[i];
                int? axis = i == cut.Input ? cut.WeightAxis : OperandAxis(k, i, cut.OutputAxis);
                inputs[i] = axis is { } a && b.Shape[a] > 1 ? Slice(p, b, a, start, length, k.Origin, output) : b;
            }
            var piece = p.NewBuffer(y.DataType, With(y.Shape, cut.OutputAxis, length), BufferKind.Activation);
            string part = $"{k.Origin} (part {j + 1}/{bounds.Length - 1})";
            output.Add(k with { Inputs = inputs, Outputs = [piece], Origin = part });
            output.Add(Copy(piece, y, cut.OutputAxis, start, part));
        }
    }

    /// <summary>
    /// <paramref name="k"/> as a chain of matmuls over the K ranges in <paramref name="bounds"/>: piece j computes
    /// A[.., k_j] · B[k_j, ..] + piece j − 1's result; the last piece adds the bias and applies the epilogue, into the output.
    /// </summary>
    private static void GemmChain(KernelProgram p, MatMulKernel k, int[] bounds, List<Kernel> output)
    {
        var (a, b, y) = (k.Inputs[0], k.Inputs[1], k.Output);
        var acc = Expr.In(0, a.DataType);
        KernelBuffer? partial = null;
        int count = bounds.Length - 1;
        for (int j = 0; j < count; j++)
        {
            int start = bounds[j], length = bounds[j + 1] - start;
            string part = $"{k.Origin} (part {j + 1}/{count})";
            var aj = Slice(p, a, a.Shape.Length - 1, start, length, part, output);
            var bj = Slice(p, b, b.Shape.Length - 2, start, length, part, output);
            if (j + 1 < count)
            {
                var next = p.NewBuffer(y.DataType, y.Shape, BufferKind.Activation);
                output.Add(partial is null
                    ? new MatMulKernel(false, null, 2) { Inputs = [aj, bj], Outputs = [next], Origin = part }
                    : new MatMulKernel(false, Expr.Bin(BinaryOp.Add, acc, Expr.In(1, a.DataType)), 2) { Inputs = [aj, bj, partial], Outputs = [next], Origin = part });
                partial = next;
                continue;
            }
            // Epilogue input i ≥ 1 is Inputs[EpilogueFirstInput + i − 1]: the partial product goes last.
            KernelBuffer[] inputs = [aj, bj, .. k.Inputs[2..], partial!];
            var sum = Expr.Bin(BinaryOp.Add, acc, Expr.In(inputs.Length - k.EpilogueFirstInput, a.DataType));
            var epilogue = k.Epilogue is null ? sum : k.Epilogue.Substitute(i => i.Index == 0 ? sum : i);
            output.Add(k with { Inputs = inputs, Outputs = [y], Epilogue = epilogue, Origin = part });
        }
    }

    /// <summary>
    /// The axis of input <paramref name="i"/> that follows the output's <paramref name="outAxis"/>, or null when the
    /// input is read whole by every piece (the other operand of a product, the image of a convolution, the indices).
    /// Bias and epilogue operands broadcast against the output (a convolution's bias is [M]).
    /// </summary>
    private static int? OperandAxis(Kernel k, int i, int outAxis)
    {
        var (first, bias) = k switch
        {
            MatMulKernel m => (2, m.HasBias),
            ConvKernel c => (2, c.HasBias),
            ConvTransposeKernel c => (2, c.HasBias),
            _ => (int.MaxValue, false),
        };
        if (i < first)
        {
            return null;
        }
        if (bias && i == 2 && k is ConvKernel or ConvTransposeKernel)
        {
            return 0;
        }
        int aligned = k.Inputs[i].Shape.Length - (k.Output.Shape.Length - outAxis);
        return aligned >= 0 ? aligned : null;
    }

    private static int[] With(int[] shape, int axis, int size)
    {
        var s = (int[])shape.Clone();
        s[axis] = size;
        return s;
    }

    /// <summary>
    /// <paramref name="b"/>[.., start : start + length (on <paramref name="axis"/>), ..]: a new weight for a constant, else a
    /// copy kernel into a new activation (added to <paramref name="output"/>).
    /// </summary>
    private static KernelBuffer Slice(KernelProgram p, KernelBuffer b, int axis, int start, int length, string origin, List<Kernel> output)
    {
        var shape = With(b.Shape, axis, length);
        if (b.Kind == BufferKind.Weight && b.Root.Weight is { } data)
        {
            var w = p.NewBuffer(b.DataType, shape, BufferKind.Weight);
            w.Weight = SliceData(data, b.Shape, axis, start, length);
            return w;
        }
        var t = p.NewBuffer(b.DataType, shape, BufferKind.Activation);
        int rank = shape.Length;
        var inStart = new int[rank];
        inStart[axis] = start;
        output.Add(new CopyKernel(shape, b.Shape, [.. Enumerable.Range(0, rank)], Ones(rank), inStart, 0, Strides(shape), PadMode.None, 0)
        {
            Inputs = [b],
            Outputs = [t],
            Origin = $"{origin} (operand slice)",
        });
        return t;
    }

    /// <summary>The elements of <paramref name="data"/> (viewed as <paramref name="shape"/>, row-major) in the given range of one axis.</summary>
    public static Tensor SliceData(Tensor data, int[] shape, int axis, int start, int length)
    {
        long outer = Tensor.ElementCount(shape.AsSpan(0, axis)), inner = Tensor.ElementCount(shape.AsSpan(axis + 1));
        var result = Array.CreateInstance(data.Data.GetType().GetElementType()!, outer * length * inner);
        for (long o = 0; o < outer; o++)
        {
            Array.Copy(data.Data, (o * shape[axis] + start) * inner, result, o * length * inner, length * inner);
        }
        return new Tensor(data.DataType, With(shape, axis, length), result);
    }

    /// <summary>Copies <paramref name="piece"/> into its block of <paramref name="y"/>, which starts at <paramref name="start"/> on <paramref name="axis"/>.</summary>
    private static CopyKernel Copy(KernelBuffer piece, KernelBuffer y, int axis, int start, string origin)
    {
        var shape = piece.Shape;
        int rank = shape.Length;
        var strides = Strides(y.Shape);
        return new CopyKernel(shape, shape, [.. Enumerable.Range(0, rank)], Ones(rank), new int[rank], start * strides[axis], strides, PadMode.None, 0)
        {
            Inputs = [piece],
            Outputs = [y],
            Origin = $"{origin} (join)",
        };
    }

    private static int[] Ones(int n) => [.. Enumerable.Repeat(1, n)];

    private static int[] Strides(int[] shape)
    {
        var s = new int[shape.Length];
        for (int i = shape.Length - 1, acc = 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }
}
