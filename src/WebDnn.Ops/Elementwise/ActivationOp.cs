using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Elementwise;

/// <summary>
/// Base for one-input activations whose formula has attribute parameters (LeakyRelu, Elu, HardSigmoid, Gelu…):
/// the subclass writes the formula as an <see cref="Expr"/> over x, so the op still fuses like any elementwise op.
/// </summary>
public abstract class ActivationOp : ElementwiseOp
{
    public override FusionKind Fusion => FusionKind.ElementWise;

    /// <summary>The formula over <paramref name="x"/> (input 0), with attributes read from <paramref name="ctx"/>.</summary>
    protected abstract Expr Formula(NodeContext ctx, Expr x);

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        if (types.Length != 1)
        {
            throw ctx.Error($"expects 1 input, got {types.Length}");
        }
        return Formula(ctx, Expr.In(0, types[0]));
    }
}
