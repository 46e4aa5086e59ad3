namespace WebDnn.Core.Kernels;

/// <summary>
/// A primitive kernel: the unit every backend implements. ONNX ops lower to these (WebDnn.Ops, <c>OpDef.Lower</c>);
/// backends know nothing else. All shapes are static. Inputs/Outputs list buffers in the order each
/// primitive documents; <see cref="Primitive"/> is the stable name used in manifests.
/// </summary>
public abstract record Kernel
{
    public required KernelBuffer[] Inputs { get; init; }

    public required KernelBuffer[] Outputs { get; init; }

    /// <summary>Stable primitive name (manifest contract).</summary>
    public abstract string Primitive { get; }

    /// <summary>The ONNX node(s) this kernel came from, for traces and error messages (never emitted into code).</summary>
    public string Origin { get; init; } = string.Empty;

    /// <summary>Multiply-adds x2 (for inspect/bench reporting).</summary>
    public virtual long Flops => 0;

    /// <summary>The algorithm the kernel-level stage chose for this kernel (<see cref="KernelAlgorithms"/>); backends emit it.</summary>
    public string Algorithm { get; init; } = KernelAlgorithms.Direct;

    /// <summary>
    /// Layout of the kernel's 4-d activations (spatial primitives: input 0, the output and the epilogue operands). Chosen
    /// by the kernel-level stage; a buffer's <see cref="KernelBuffer.Shape"/> is its physical shape in this layout.
    /// </summary>
    public ActivationLayout Layout { get; init; } = ActivationLayout.Nchw;

    /// <summary>Set when the kernel-level stage stored the weight (input 1) in a packed form; names the form.</summary>
    public string? WeightLayout { get; init; }

    public KernelBuffer Output => Outputs[0];
}

/// <summary>
/// out[i] = Body(in0[bcast(i)], in1[bcast(i)], ...). Inputs broadcast to the output shape numpy-style
/// (right-aligned; a missing or size-1 dim repeats).
/// </summary>
public sealed record ElementwiseKernel(Expr Body) : Kernel
{
    public override string Primitive => "elementwise";
}

/// <summary>Boundary behaviour of a <see cref="CopyKernel"/> read outside the input.</summary>
public enum PadMode
{
    /// <summary>Reads are always in bounds.</summary>
    None,
    Constant,
    Reflect,
    Edge,
    /// <summary>Coordinates wrap modulo the input size (Tile).</summary>
    Wrap,
}

/// <summary>
/// Strided copy (the index-map primitive): Transpose, Slice, Pad, Tile, Expand, Concat, Split, DepthToSpace…
/// Iterates over <see cref="Shape"/>. The input buffer is viewed row-major as <see cref="InShape"/> (same element
/// count as its buffer). For iteration index idx: input coordinate j = InStart[j] + Σ_k (InAxis[k]==j ? InStep[k]*idx[k] : 0);
/// InAxis[k] = -1 means axis k broadcasts. Out-of-range coordinates follow <see cref="Mode"/>.
/// The output element written is OutOffset + Σ_k idx[k]*OutStrides[k].
/// </summary>
public sealed record CopyKernel(int[] Shape, int[] InShape, int[] InAxis, int[] InStep, int[] InStart,
    int OutOffset, int[] OutStrides, PadMode Mode, double PadValue) : Kernel
{
    public override string Primitive => "copy";
}

/// <summary>ONNX Gather: out = data.take(indices, axis); negative indices count from the end. Inputs: data, indices.</summary>
public sealed record GatherKernel(int Axis) : Kernel
{
    public override string Primitive => "gather";
}

/// <summary>ONNX GatherElements: out[idx] = data[idx with idx[axis] = indices[idx]]. Inputs: data, indices.</summary>
public sealed record GatherElementsKernel(int Axis) : Kernel
{
    public override string Primitive => "gather_elements";
}

/// <summary>
/// Batched matrix product: Inputs: A [..., M, K], B [..., K, N] (batch dims broadcast), then optional bias
/// (broadcast to the output), then any epilogue operands. Output [..., M, N].
/// If <see cref="Epilogue"/> is set, out = Epilogue(in0 = acc (+bias), in1.. = Inputs[EpilogueFirstInput..]).
/// </summary>
public sealed record MatMulKernel(bool HasBias, Expr? Epilogue, int EpilogueFirstInput) : Kernel
{
    public override string Primitive => "matmul";

    public override long Flops
    {
        get
        {
            var a = Inputs[0].Shape;
            return 2 * Output.Length * a[^1];
        }
    }
}

/// <summary>
/// N-d convolution, NCHW layout (1-3 spatial dims). Inputs: X [N, C, *], W [M, C/group, *k], optional bias [M],
/// then epilogue operands (same convention as <see cref="MatMulKernel"/>).
/// Pads = [begin_0.., end_0..] as in ONNX.
/// </summary>
public sealed record ConvKernel(int Group, int[] Strides, int[] Pads, int[] Dilations, bool HasBias, Expr? Epilogue, int EpilogueFirstInput) : Kernel
{
    public override string Primitive => "conv";

    /// <remarks>
    /// The direct convolution's work, also for a Winograd kernel whose weight is stored as α×α transformed tiles (it
    /// counts 3×3 taps per input channel), so its GFLOP/s are effective ones as Winograd's are usually quoted.
    /// </remarks>
    public override long Flops => Algorithm is KernelAlgorithms.WinogradF2 or KernelAlgorithms.WinogradF4 && WeightLayout is not null
        ? 2L * Output.Length * Inputs[1].Shape[1] * 9
        : 2 * Output.Length * Inputs[1].Length / Inputs[1].Shape[0];
}

/// <summary>
/// N-d transposed convolution, NCHW. Inputs: X [N, C, *], W [C, M/group, *k], optional bias [M].
/// Output size per axis is fixed by the output buffer (pads/output_padding already resolved into Pads).
/// </summary>
public sealed record ConvTransposeKernel(int Group, int[] Strides, int[] Pads, int[] Dilations, bool HasBias, Expr? Epilogue, int EpilogueFirstInput) : Kernel
{
    public override string Primitive => "conv_transpose";

    public override long Flops => 2 * Inputs[0].Length * Inputs[1].Length / Inputs[1].Shape[0];
}

public enum PoolKind
{
    Max,
    Average,
    Lp,
}

/// <summary>
/// N-d pooling, NCHW. Input X; output size fixed by the output buffer (ceil_mode already applied).
/// Average: divides by the count of in-bounds elements unless CountIncludePad (then by the full kernel
/// clipped to the padded extent, as ONNX does). Lp uses <see cref="P"/>.
/// </summary>
public sealed record PoolKernel(PoolKind Kind, int[] KernelShape, int[] Strides, int[] Pads, int[] Dilations, bool CountIncludePad, int P) : Kernel
{
    public override string Primitive => "pool";
}

public enum ReduceKind
{
    Sum, Mean, Max, Min, Prod, SumSquare, L1, L2, LogSum, LogSumExp, ArgMax, ArgMin,
}

/// <summary>
/// Reduction of Inputs[0] over <see cref="Axes"/> (sorted, non-negative). The output buffer holds the result
/// with the reduced axes of size 1 (or dropped: same element order). ArgMax/ArgMin write i32 indices; SelectLastIndex picks the last of ties.
/// Reducing an empty axis gives the identity (0, -inf, +inf, 1).
/// </summary>
public sealed record ReduceKernel(ReduceKind Kind, int[] Axes, bool SelectLastIndex) : Kernel
{
    public override string Primitive => "reduce";
}

/// <summary>Softmax over the middle axis of the input viewed as [Outer, N, Inner]; Log gives LogSoftmax.</summary>
public sealed record SoftmaxKernel(int Outer, int N, int Inner, bool Log) : Kernel
{
    public override string Primitive => "softmax";
}

/// <summary>
/// Mean/variance normalization of the input viewed as [Outer, N] (normalize each row of N):
/// y = (x - mean) / sqrt(var + eps) * scale + bias. Inputs: X, optional scale, optional bias.
/// Scale/bias are indexed by n (<see cref="PerChannel"/> false: LayerNormalization) or by row % Channels
/// (<see cref="PerChannel"/> true: InstanceNormalization, GroupNorm with channel groups resolved).
/// </summary>
public sealed record NormKernel(int Outer, int N, float Epsilon, bool HasScale, bool HasBias, bool PerChannel, int Channels) : Kernel
{
    public override string Primitive => "norm";
}

/// <summary>
/// One axis of a <see cref="ResizeKernel"/>: output coordinate o reads the <see cref="Taps"/> input indices
/// <c>Index[o·Taps + t]</c> with weights <c>Weight[o·Taps + t]</c> (Taps is 1 for nearest, 2 for linear, 4 for cubic, more
/// with antialias). <see cref="Outside"/> in every tap of o marks a coordinate outside the source (tf_crop_and_resize).
/// </summary>
public sealed record ResizeAxis(int Taps, int[] Index, float[] Weight)
{
    /// <summary>The index of the taps of an output coordinate that lies outside the source.</summary>
    public const int Outside = -1;

    public int OutLength => Index.Length / Taps;

    /// <summary>True when output coordinate o reads input o with weight 1 (the axis is not resized).</summary>
    public bool IsIdentity(int inLength) => Taps == 1 && OutLength == inLength
        && Index.Select((v, o) => v == o).All(b => b) && Weight.All(w => w == 1);

    /// <summary>True when some output coordinate lies outside the source.</summary>
    public bool HasOutside => Index.Contains(Outside);
}

/// <summary>
/// Separable gather-and-weight on any rank (ONNX Resize/Upsample, every mode): y[o..] = <see cref="ExtrapolationValue"/>
/// when some axis marks o_a <see cref="ResizeAxis.Outside"/>, else the sum over all tap combinations of the product of
/// the axes' weights times x at the axes' indices. One <see cref="ResizeAxis"/> per input axis. The coordinate
/// transformation, rounding and interpolation were resolved into the tables at lowering (Ops/Nn/Resize.cs), so a
/// backend only gathers and weights.
/// </summary>
public sealed record ResizeKernel(ResizeAxis[] Axes, float ExtrapolationValue) : Kernel
{
    public override string Primitive => "resize";
}
