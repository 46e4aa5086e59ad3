namespace WebDnn.Core.Kernels.Reference;

/// <summary>
/// The reference semantics of the primitive kernels, one file per primitive (<c>&lt;Primitive&gt;Reference.cs</c>), on
/// host tensors: what every backend's kernel must compute. Used by the tests as the oracle of generated kernels and of
/// lowerings. Written from the docs in Kernel.cs, by coordinates, for clarity rather than speed: values are computed in
/// double (integer elementwise trees in long) and every store rounds to the buffer's element type as a typed array
/// would (f32 rounding; i32 truncation toward zero with wrap-around, NaN and ±∞ to 0; bool to 0/1).
/// </summary>
public static class KernelReference
{
    /// <summary>The primitives (<see cref="Kernel.Primitive"/>) this reference implements.</summary>
    public static IReadOnlySet<string> Primitives { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "elementwise", "copy", "gather", "gather_elements", "matmul", "conv", "conv_transpose", "pool", "reduce", "softmax", "norm", "resize",
    };

    /// <summary>
    /// Runs <paramref name="program"/> on graph inputs by name (any element type: converted to the buffer's) and returns
    /// the graph outputs by name, in their buffers' element types and shapes.
    /// </summary>
    public static Dictionary<string, Tensor> Run(KernelProgram program, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var storage = new Dictionary<KernelBuffer, Tensor>();
        foreach (var io in program.Inputs)
        {
            if (!inputs.TryGetValue(io.Name, out var t))
            {
                throw new ArgumentException($"missing input '{io.Name}'");
            }
            var b = io.KernelBuffer;
            if (t.Length != b.Length)
            {
                throw new ArgumentException($"input '{io.Name}' has {t.Length} elements, its buffer {b.Length}");
            }
            storage[b.Root] = Convert(t, b.DataType, b.Root.Shape);
        }
        Tensor Get(KernelBuffer b)
        {
            var root = b.Root;
            if (!storage.TryGetValue(root, out var t))
            {
                t = root.Weight is { } w ? Convert(w, root.DataType, root.Shape) : Tensor.Zeros(root.DataType, root.Shape);
                storage[root] = t;
            }
            return t.Reshape(b.Shape);
        }
        foreach (var k in program.Kernels)
        {
            Execute(k, Get);
        }
        return program.Outputs.ToDictionary(o => o.Name, o => Get(o.KernelBuffer), StringComparer.Ordinal);
    }

    /// <summary>Runs one kernel; <paramref name="storage"/> gives each buffer's tensor (views share their root's data).</summary>
    public static void Execute(Kernel kernel, Func<KernelBuffer, Tensor> storage)
    {
        // The references read the logical forms: NCHW activations and weights as ONNX stores them. Programs after the
        // kernel-level stage of a target that changes either are not theirs to judge (compare before that stage).
        if (kernel.Layout != ActivationLayout.Nchw || kernel.WeightLayout is not null)
        {
            throw new NotSupportedException($"the reference runs NCHW kernels with unpacked weights; {kernel.Primitive} has layout {kernel.Layout}, weights {kernel.WeightLayout ?? "unpacked"}");
        }
        var ins = kernel.Inputs.Select(storage).ToArray();
        var o = storage(kernel.Output);
        switch (kernel)
        {
            case ElementwiseKernel k: ElementwiseReference.Run(k, ins, o); break;
            case CopyKernel k: CopyReference.Run(k, ins[0], o); break;
            case GatherKernel k: GatherReference.Run(k, ins[0], ins[1], o); break;
            case GatherElementsKernel k: GatherElementsReference.Run(k, ins[0], ins[1], o); break;
            case MatMulKernel k: MatMulReference.Run(k, ins, o); break;
            case ConvKernel k: ConvReference.Run(k, ins, o); break;
            case ConvTransposeKernel k: ConvTransposeReference.Run(k, ins, o); break;
            case PoolKernel k: PoolReference.Run(k, ins[0], o); break;
            case ReduceKernel k: ReduceReference.Run(k, ins[0], o); break;
            case SoftmaxKernel k: SoftmaxReference.Run(k, ins[0], o); break;
            case NormKernel k: NormReference.Run(k, ins, o); break;
            case ResizeKernel k: ResizeReference.Run(k, ins[0], o); break;
            default: throw new NotSupportedException($"no reference for primitive '{kernel.Primitive}'");
        }
    }

    /// <summary>Stores <paramref name="v"/> at <paramref name="i"/> rounded to the element type as a typed array would.</summary>
    public static void Store(Tensor t, int i, double v)
    {
        if (t.DataType.IsFloat() || t.DataType == DataType.Bool)
        {
            t.SetDouble(i, v);
        }
        else
        {
            t.SetLong(i, (long)ExprEvaluator.CastTo(v, DataType.Float64, t.DataType));
        }
    }

    /// <summary><paramref name="t"/>'s values in element type <paramref name="dt"/> and shape <paramref name="shape"/> (a copy).</summary>
    public static Tensor Convert(Tensor t, DataType dt, int[] shape) => dt.IsFloat()
        ? Tensor.FromDoubles(dt, shape, t.ToDoubles())
        : Tensor.FromLongs(dt, shape, t.DataType.IsFloat() ? t.ToDoubles().Select(v => (long)ExprEvaluator.CastTo(v, DataType.Float64, dt)).ToArray() : t.ToLongs());

    /// <summary>
    /// The epilogue of matmul/conv/conv_transpose at the output element with multi-index
    /// <paramref name="outCoords"/>: in0 = <paramref name="acc"/>, in1.. = the epilogue operands broadcast to the output.
    /// </summary>
    internal static double Epilogue(Expr? e, double acc, int first, Tensor[] ins, long[][] strides, ReadOnlySpan<int> outCoords)
    {
        if (e is null)
        {
            return acc;
        }
        Span<double> vals = stackalloc double[Math.Max(1, e.MaxInput + 1)];
        vals[0] = acc;
        for (int j = 1; j < vals.Length; j++)
        {
            vals[j] = ins[first + j - 1].GetDouble((int)Geometry.RowMajor.Offset(outCoords, strides[j - 1]));
        }
        return ExprEvaluator.Eval(e, vals);
    }

    /// <summary>Broadcast strides of the epilogue operands (Inputs[first..]) to the output shape.</summary>
    internal static long[][] EpilogueStrides(Kernel k, int first) =>
        k.Inputs.Skip(first).Select(b => Geometry.RowMajor.BroadcastStrides(b.Shape, k.Output.Shape)).ToArray();
}
