using WebDnn.Backends.WebGpu.Kernels;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering.KernelStage;

namespace WebDnn.Backends.WebGpu;

/// <summary>
/// Transforms, at compile time, the weight of each Winograd conv the webgpu backend runs into its 16 matrices
/// U_ξ = (G g Gᵀ)_ξ (<see cref="WinogradWgsl.PackWeight"/>); every other weight keeps its ONNX layout. Only this backend's
/// package entry lists the transformed shards.
/// </summary>
public sealed class WebGpuPackWeights : PackWeights
{
    public override string Name => "pack-weights-webgpu";

    protected override (Tensor Packed, string Form)? Pack(Kernel k, Tensor weight) =>
        k is ConvKernel c && weight.DataType == DataType.Float32 && c.WeightLayout is null && WinogradWgsl.Fits(c) ? WinogradWgsl.PackWeight(weight) : null;
}
