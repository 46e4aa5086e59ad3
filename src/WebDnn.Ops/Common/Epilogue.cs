using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops;

/// <summary>
/// A fused epilogue on an output-fusable op (Conv, ConvTranspose, Gemm, MatMul): the node carries attribute
/// <see cref="ExprAttr"/> (an <see cref="Expr"/>) and <see cref="FirstAttr"/> (int). The expression's in0 is the op's
/// own result (bias included); in1, in2… are the node inputs from index <c>first</c> on, broadcast to the result.
/// Written by the fusion passes; applied by the op's evaluator (<see cref="Apply"/>) and passed to its kernel.
/// </summary>
public static class Epilogue
{
    public const string ExprAttr = "webdnn.epilogue";
    public const string FirstAttr = "webdnn.epilogue_first";

    /// <summary>The epilogue of a node, or (null, count of inputs) when it has none.</summary>
    public static (Expr? Expr, int First) Get(NodeContext ctx) =>
        (ctx.ExprAttr(ExprAttr), (int)ctx.Int(FirstAttr, ctx.InputCount));

    /// <summary>Attaches (or replaces) the epilogue of <paramref name="node"/>.</summary>
    public static void Attach(Node node, Expr expr, int first)
    {
        node.SetAttribute(Attr.Expression(ExprAttr, expr));
        node.SetAttribute(Attr.Int(FirstAttr, first));
    }

    /// <summary>Applies the node's epilogue (if any) to the op's raw <paramref name="result"/>.</summary>
    public static Tensor Apply(EvalContext ctx, Tensor result)
    {
        var (expr, first) = Get(ctx);
        if (expr is null)
        {
            return result;
        }
        var extras = Enumerable.Range(first, Math.Max(0, ctx.InputsGiven - first)).Select(ctx.Input).ToArray();
        var ins = new[] { result }.Concat(extras).ToArray();
        var outT = Tensor.Zeros(expr.Type, result.Shape);
        var vals = new double[ins.Length];
        Shapes.ForEachBroadcast(result.Shape, ins.Select(t => t.Shape).ToArray(), (o, offs) =>
        {
            for (int k = 0; k < offs.Length; k++)
            {
                vals[k] = ins[k].GetDouble(offs[k]);
            }
            outT.SetDouble(o, ExprEvaluator.Eval(expr, vals));
        });
        return outT;
    }

    /// <summary>The type after the epilogue (the op's own type when there is none).</summary>
    public static DataType ResultType(NodeContext ctx, DataType raw) => Get(ctx).Expr?.Type ?? raw;
}
