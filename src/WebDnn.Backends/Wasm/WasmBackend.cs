using WebDnn.Backends.Common;
using WebDnn.Backends.Js;
using WebDnn.Core.Kernels;
using WebDnn.Lowering.KernelStage;

namespace WebDnn.Backends.Wasm;

/// <summary>
/// The WebAssembly backend: SIMD128 kernels the compiler emits itself (<see cref="WasmWriter"/>), a relaxed-SIMD variant
/// the runtime picks where the browser validates it, weights packed at compile time for the GEMM microkernel
/// (<see cref="WasmPackWeights"/>). Kernels without a wasm emitter yet run the js backend's kernel on views into the
/// module's memory, so <see cref="Primitives"/> is every js primitive; the manifest's entry says which runs.
/// </summary>
public sealed class WasmBackend : IBackend
{
    /// <summary>SIMD128: 4 f32 lanes, 16-byte aligned buffers, NCHW activations, weights repacked.</summary>
    public static readonly Target WasmTarget = new("wasm", BufferAlignment: 16, MaxStorageBuffersPerKernel: 8, VectorWidth: 4, Target.BasicTypes,
        RepackWeights: true,
        new Dictionary<string, IReadOnlyList<string>>
        {
            ["conv"] = [KernelAlgorithms.Direct, KernelAlgorithms.Gemm1x1, KernelAlgorithms.ImplicitGemm, KernelAlgorithms.Depthwise,
                KernelAlgorithms.WinogradF4, KernelAlgorithms.WinogradF2],
            ["matmul"] = [KernelAlgorithms.Direct, KernelAlgorithms.Gemm],
        },
        new Dictionary<string, ActivationLayout>());

    public string Name => "wasm";

    public Target Target => WasmTarget;

    public IReadOnlySet<string> Primitives => JsWriter.Primitives;

    public IReadOnlyList<IKernelPass> KernelPasses => KernelPipelines.WithPacking(new WasmPackWeights(), new WriteConcatInPlace());

    public IReadOnlyList<BackendKernel> Write(TargetProgram tp, BackendOutput output)
    {
        var o = WasmWriter.Generate(tp.Program);
        output.WriteFile(WasmWriter.SimdFile, o.Simd);
        output.WriteFile(WasmWriter.SimdSharedFile, o.SimdShared);
        if (o.Relaxed is not null)
        {
            output.WriteFile(WasmWriter.RelaxedFile, o.Relaxed);
            output.WriteFile(WasmWriter.RelaxedSharedFile, o.RelaxedShared!);
        }
        if (o.Fallback is not null)
        {
            output.WriteText(WasmWriter.FallbackFile, o.Fallback);
        }
        return [.. o.Kernels.Select(e => new BackendKernel(e.Entry, null, e.Scratch > 0 ? [e.Scratch] : null))];
    }
}
