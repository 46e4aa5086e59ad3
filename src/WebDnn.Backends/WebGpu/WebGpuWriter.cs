using System.Text.Json;
using WebDnn.Backends.Common;
using WebDnn.Backends.WebGpu.Kernels;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.WebGpu;

/// <summary>
/// The webgpu backend's writer: one WGSL compute shader (entry <c>main</c>) per kernel, with every shape, stride and size a
/// constant. Identical shaders are stored once in kernels.wgsl.json (<c>{"shaders": [...]}</c>); each kernel's manifest
/// entry names its shader by index (<c>data[0]</c>) and its workgroup counts (<c>dispatch</c>). Bindings are the kernel's
/// inputs then outputs, binding 0.. of group 0. A kernel of two dispatches (split-K GEMM) has data
/// <c>[shader, scratchBytes, secondShader]</c> and six dispatch numbers; both shaders bind a scratch buffer after the outputs.
/// </summary>
public static class WebGpuWriter
{
    public const string ShaderFile = "kernels.wgsl.json";

    /// <summary>The primitives <see cref="Emit"/> has a case for.</summary>
    public static readonly IReadOnlySet<string> Primitives = new HashSet<string>(StringComparer.Ordinal)
    {
        "elementwise", "copy", "gather", "gather_elements", "matmul", "conv", "conv_transpose", "pool", "reduce", "softmax", "norm", "resize",
    };

    /// <summary>The shaders (deduplicated) and, per kernel, its shader index and dispatch.</summary>
    public static (List<string> Shaders, List<BackendKernel> Kernels) Generate(KernelProgram program)
    {
        var shaders = new List<string>();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var kernels = new List<BackendKernel>();
        foreach (var k in program.Kernels)
        {
            var c = new WgslKernel(k);
            try
            {
                Emit(c);
            }
            catch (NotSupportedException e)
            {
                throw new UnsupportedModelException($"webgpu backend: {k.Primitive} kernel from {k.Origin}: {e.Message}");
            }
            int Shader(string text)
            {
                if (!index.TryGetValue(text, out int si))
                {
                    si = shaders.Count;
                    shaders.Add(text);
                    index[text] = si;
                }
                return si;
            }
            int first = Shader(c.W.ToString());
            kernels.Add(c.Second is { } second
                ? new BackendKernel("main", [.. c.Dispatch, .. second.Dispatch], [first, second.ScratchBytes, Shader(second.Shader)])
                : new BackendKernel("main", c.Dispatch, [first]));
        }
        return (shaders, kernels);
    }

    /// <summary>Writes kernels.wgsl.json and returns the per-kernel manifest data.</summary>
    public static IReadOnlyList<BackendKernel> Write(KernelProgram program, BackendOutput output)
    {
        var (shaders, kernels) = Generate(program);
        output.WriteFile(ShaderFile, JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, List<string>> { ["shaders"] = shaders }));
        return kernels;
    }

    private static void Emit(WgslKernel c)
    {
        switch (c.Kernel)
        {
            case ElementwiseKernel k: ElementwiseWgsl.Emit(c, k); break;
            case CopyKernel k: CopyWgsl.Emit(c, k); break;
            case GatherKernel k: GatherWgsl.Emit(c, k); break;
            case GatherElementsKernel k: GatherElementsWgsl.Emit(c, k); break;
            case MatMulKernel k: MatMulWgsl.Emit(c, k); break;
            case ConvKernel k: ConvWgsl.Emit(c, k); break;
            case ConvTransposeKernel k: ConvTransposeWgsl.Emit(c, k); break;
            case PoolKernel k: PoolWgsl.Emit(c, k); break;
            case ReduceKernel k: ReduceWgsl.Emit(c, k); break;
            case SoftmaxKernel k: SoftmaxWgsl.Emit(c, k); break;
            case NormKernel k: NormWgsl.Emit(c, k); break;
            case ResizeKernel k: ResizeWgsl.Emit(c, k); break;
            default: throw new UnsupportedModelException($"webgpu backend: no kernel for primitive '{c.Kernel.Primitive}'");
        }
    }
}
