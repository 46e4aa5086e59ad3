using WebDnn.Core;
using WebDnn.Ops;

namespace WebDnn.Passes;

/// <summary>
/// Moves the activation after a Conv, ConvTranspose, Gemm or MatMul into that op's <see cref="Epilogue"/> (in0 is the
/// op's result, bias included): Relu, Clip, Sigmoid, HardSigmoid, HardSwish, LeakyRelu, Elu, Tanh, Gelu, the Erf-GELU
/// spellings x·0.5·(1 + erf(x/√2)) (Div or Mul by 1/√2, either Mul order) and SiLU x·sigmoid(x). A residual Add
/// before the activation joins too, its other operand becoming an extra input: ResNet's Conv → Add(skip) → Relu
/// becomes one Conv with epilogue Relu(in0 + in1). Uses the region rules of <see cref="ElementwiseRegions"/> restricted
/// to these ops and the arithmetic of the spellings (Add, Sub, Mul, Div, Erf), so the op's result must be read only by
/// the fused nodes, and the fused result must have the op's shape and type.
/// </summary>
/// <remarks>Must run after FoldBatchNormAndScale (which needs the plain op followed by its Mul/Add) and RemoveIdentities.</remarks>
public sealed class FuseActivations : IGraphPass
{
    private static readonly HashSet<string> s_ops = new(StringComparer.Ordinal)
    {
        "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "LeakyRelu", "Elu", "Tanh", "Gelu", "Erf",
        "Add", "Sub", "Mul", "Div",
    };

    public string Name => "fuse-activations";

    public void Run(Graph g, PassContext ctx)
    {
        var engine = new ElementwiseRegions { Allowed = n => n.Domain.Length == 0 && s_ops.Contains(n.OpType), MaxInputs = ElementwiseRegions.ForTarget(ctx.Target) };
        engine.FuseIntoEpilogues(g);
    }
}
