using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering.KernelStage;

namespace WebDnn.Backends.Js;

/// <summary>
/// The plain-JavaScript backend: always available, slow, correct. Scalar loops over NCHW activations, every primitive
/// in its direct algorithm, weights as the model stores them. Writes kernels.js (<see cref="JsWriter"/>).
/// </summary>
public sealed class JsBackend : IBackend
{
    /// <summary>JavaScript numbers: no vectors, no buffer limit of its own (the portable 8 keeps packages uniform), typed-array alignment.</summary>
    public static readonly Target JsTarget = new("js", BufferAlignment: 16, MaxStorageBuffersPerKernel: 8, VectorWidth: 1, Target.BasicTypes,
        RepackWeights: false, new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, ActivationLayout>());

    public string Name => "js";

    public Target Target => JsTarget;

    public IReadOnlySet<string> Primitives => JsWriter.Primitives;

    public IReadOnlyList<IKernelPass> KernelPasses => KernelPipelines.Standard();

    public IReadOnlyList<BackendKernel> Write(TargetProgram tp, BackendOutput output)
    {
        output.WriteText(JsWriter.ModuleFile, JsWriter.Generate(tp.Program));
        return [.. tp.Program.Kernels.Select(_ => new BackendKernel())];
    }
}
