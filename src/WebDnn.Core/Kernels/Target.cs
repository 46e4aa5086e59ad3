namespace WebDnn.Core.Kernels;

/// <summary>How a 4-d activation (batch, channels, rows, columns) is laid out in its buffer.</summary>
public enum ActivationLayout
{
    /// <summary>[N, C, H, W] row-major: the ONNX layout, and the only one at the model's edges.</summary>
    Nchw,
    /// <summary>[N, H, W, C] row-major: channels innermost (vector loads along C).</summary>
    Nhwc,
}

/// <summary>Names of <see cref="ActivationLayout"/> values in manifests, inspect and IR text.</summary>
public static class ActivationLayouts
{
    public static string Name(this ActivationLayout l) => l switch
    {
        ActivationLayout.Nchw => "nchw",
        ActivationLayout.Nhwc => "nhwc",
        _ => throw new ArgumentOutOfRangeException(nameof(l), l, null),
    };
}

/// <summary>
/// The facts backends differ in, as data (TVM's <c>Target</c>, XNNPACK's hardware config). Passes and the kernel-level
/// stage read limits from here, never from constants; a backend returns its own from <c>IBackend.Target</c>.
/// Several targets compiled into one package meet in <see cref="Meet"/>: the graph passes obey the strictest.
/// </summary>
/// <param name="Name">The backend name this target describes.</param>
/// <param name="BufferAlignment">Byte alignment of every buffer offset in the arena and weight region (WebGPU binding offsets: 256).</param>
/// <param name="MaxStorageBuffersPerKernel">Most buffers one kernel may bind, output included (WebGPU guarantees 8 per stage).</param>
/// <param name="VectorWidth">f32 lanes of the backend's vector unit (1: scalar; 4: SIMD128 / vec4).</param>
/// <param name="StoredTypes">Element types a buffer may have on this target.</param>
/// <param name="RepackWeights">Whether the kernel-level stage may store weights in the layout a kernel reads (a different shard content).</param>
/// <param name="Algorithms">Per primitive, the algorithms this backend implements (the first is the fallback); absent: "direct".</param>
/// <param name="PreferredLayouts">Per primitive, the activation layout its kernels read and write; absent: NCHW.</param>
public sealed record Target(
    string Name,
    int BufferAlignment,
    int MaxStorageBuffersPerKernel,
    int VectorWidth,
    IReadOnlySet<DataType> StoredTypes,
    bool RepackWeights,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Algorithms,
    IReadOnlyDictionary<string, ActivationLayout> PreferredLayouts)
{
    /// <summary>
    /// Largest buffer one kernel may bind that every device of this target accepts (WebGPU's guaranteed
    /// maxStorageBufferBindingSize: 128 MiB); <see cref="long.MaxValue"/>: no limit. The kernel-level stage splits kernels
    /// whose constant weight is larger (<c>SplitLargeWeights</c>); what it cannot split is left to the runtime, which asks
    /// the device for a larger limit.
    /// </summary>
    public long MaxBindingBytes { get; init; } = long.MaxValue;

    /// <summary>
    /// Fewest multiply-adds of the direct convolution (N·M·C·9·OH·OW) for which a Winograd algorithm is chosen; 0: no
    /// bound. A GPU needs large transformed products to fill it: below the bound the implicit GEMM is faster.
    /// </summary>
    public long WinogradMinMacs { get; init; }

    /// <summary>The element types every backend stores today (lowering emits only these).</summary>
    public static readonly IReadOnlySet<DataType> BasicTypes = new HashSet<DataType> { DataType.Float32, DataType.Int32, DataType.Bool };

    /// <summary>Limits that hold for every target: what the graph passes assume when no target is named.</summary>
    public static readonly Target Portable = new("portable", 256, 8, 1, BasicTypes, false,
        new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, ActivationLayout>());

    /// <summary>The algorithms of <paramref name="primitive"/> on this target, fallback first.</summary>
    public IReadOnlyList<string> AlgorithmsOf(string primitive) => Algorithms.TryGetValue(primitive, out var a) && a.Count > 0 ? a : [KernelAlgorithms.Direct];

    /// <summary>The layout kernels of <paramref name="primitive"/> read and write on this target.</summary>
    public ActivationLayout LayoutOf(string primitive) => PreferredLayouts.GetValueOrDefault(primitive, ActivationLayout.Nchw);

    /// <summary>The strictest limits of several targets (graph passes run once for all backends of a package).</summary>
    public static Target Meet(IReadOnlyCollection<Target> targets)
    {
        if (targets.Count == 0)
        {
            return Portable;
        }
        if (targets.Count == 1)
        {
            return targets.First();
        }
        var types = new HashSet<DataType>(targets.First().StoredTypes);
        foreach (var t in targets.Skip(1))
        {
            types.IntersectWith(t.StoredTypes);
        }
        return new Target(string.Join("+", targets.Select(t => t.Name)),
            targets.Max(t => t.BufferAlignment),
            targets.Min(t => t.MaxStorageBuffersPerKernel),
            targets.Min(t => t.VectorWidth),
            types,
            targets.All(t => t.RepackWeights),
            new Dictionary<string, IReadOnlyList<string>>(),
            new Dictionary<string, ActivationLayout>())
        {
            MaxBindingBytes = targets.Min(t => t.MaxBindingBytes),
        };
    }
}

/// <summary>Names of the algorithms the kernel-level stage chooses between (manifest and inspect contract).</summary>
public static class KernelAlgorithms
{
    /// <summary>The primitive's straightforward loop nest (every backend has it).</summary>
    public const string Direct = "direct";

    /// <summary>Convolution as a GEMM over an on-the-fly im2col view of the input (k×k, any stride).</summary>
    public const string ImplicitGemm = "implicit-gemm";

    /// <summary>1×1, stride 1, no padding convolution: a plain GEMM of weights [M, C] by input [C, H·W].</summary>
    public const string Gemm1x1 = "gemm-1x1";

    /// <summary>Depthwise convolution (group = C = M): one filter per channel, no reduction across channels.</summary>
    public const string Depthwise = "depthwise";

    /// <summary>Winograd F(2×2, 3×3) for stride-1, dilation-1 3×3 convolutions.</summary>
    public const string WinogradF2 = "winograd-f2x2-3x3";

    /// <summary>Winograd F(4×4, 3×3).</summary>
    public const string WinogradF4 = "winograd-f4x4-3x3";

    /// <summary>Register-blocked GEMM on packed panels (matmul).</summary>
    public const string Gemm = "gemm";
}
