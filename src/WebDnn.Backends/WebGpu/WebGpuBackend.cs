using WebDnn.Backends.Common;
using WebDnn.Core.Kernels;
using WebDnn.Lowering.KernelStage;

namespace WebDnn.Backends.WebGpu;

/// <summary>
/// The WebGPU backend: WGSL compute shaders generated per kernel (<see cref="WebGpuWriter"/>), NCHW activations, one
/// arena buffer bound at 256-byte offsets. Convolutions run as implicit GEMM (1×1 as plain GEMM, stride-1 3×3 ones on
/// large maps by Winograd F(2×2, 3×3) on weights transformed at compile time, <see cref="WebGpuPackWeights"/>) through
/// the tiled GEMM core, depthwise and grouped ones directly; the fused epilogue runs in every accumulating kernel's store.
/// </summary>
public sealed class WebGpuBackend : IBackend
{
    /// <summary>
    /// WebGPU's guaranteed limits: minStorageBufferOffsetAlignment 256, maxStorageBuffersPerShaderStage 8, vec4 lanes,
    /// maxStorageBufferBindingSize 128 MiB (larger weights are split at compile time, <see cref="SplitLargeWeights"/>).
    /// Conv algorithms fallback first: direct (grouped), then what <see cref="ChooseAlgorithms"/> prefers when it applies.
    /// </summary>
    public static readonly Target WebGpuTarget = new("webgpu", BufferAlignment: 256, MaxStorageBuffersPerKernel: 8, VectorWidth: 4, Target.BasicTypes,
        RepackWeights: true,
        new Dictionary<string, IReadOnlyList<string>>
        {
            ["conv"] = [KernelAlgorithms.Direct, KernelAlgorithms.Depthwise, KernelAlgorithms.Gemm1x1, KernelAlgorithms.ImplicitGemm, KernelAlgorithms.WinogradF2],
            ["matmul"] = [KernelAlgorithms.Gemm],
        },
        new Dictionary<string, ActivationLayout>())
    {
        MaxBindingBytes = GuaranteedBindingBytes,
        WinogradMinMacs = WinogradMinMacs,
    };

    /// <summary>
    /// Fewest direct multiply-adds of a conv run by Winograd (H200, per kernel: VGG16's 0.46–3.7 G and style transfer's
    /// 0.6 G convolutions 1.4–1.9× faster, ResNet50's 0.116 G ones slower).
    /// </summary>
    public const long WinogradMinMacs = 150_000_000;

    /// <summary>WebGPU's guaranteed maxStorageBufferBindingSize (the default limit of every device).</summary>
    public const long GuaranteedBindingBytes = 128L << 20;

    public WebGpuBackend()
        : this(WebGpuTarget)
    {
    }

    /// <summary>The backend compiling for <paramref name="target"/>, e.g. <see cref="WebGpuTarget"/> with a smaller <see cref="Target.MaxBindingBytes"/> (tests split small models).</summary>
    public WebGpuBackend(Target target) => Target = target;

    public string Name => "webgpu";

    public Target Target { get; }

    public IReadOnlySet<string> Primitives => WebGpuWriter.Primitives;

    /// <summary>The standard pipeline with weight packing (Winograd) and concat-in-place: a piece may start at any element (<see cref="WgslKernel"/> indexes views from their binding's 256-byte boundary).</summary>
    public IReadOnlyList<IKernelPass> KernelPasses => KernelPipelines.WithPacking(new WebGpuPackWeights(), new WriteConcatInPlace(pieceAlignment: 4));

    public IReadOnlyList<BackendKernel> Write(TargetProgram tp, BackendOutput output) => WebGpuWriter.Write(tp.Program, output);
}
