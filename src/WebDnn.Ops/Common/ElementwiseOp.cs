using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops;

/// <summary>
/// Base for ops that are one scalar <see cref="Expr"/> applied per element with numpy broadcasting
/// (Add, Relu, Where, Cast, Clip…). Subclasses only build the expression: inference, the reference evaluator
/// (<see cref="ExprEvaluator"/>) and the lowering (<see cref="ElementwiseKernel"/>) come from here, so the
/// scalar semantics are written once.
/// </summary>
public abstract class ElementwiseOp : OpDef
{
    public override FusionKind Fusion => FusionKind.Broadcast;

    /// <summary>
    /// The scalar expression over inputs in0…in(n-1) whose element types are <paramref name="types"/> (ONNX types
    /// for the reference evaluator, lowered types for kernels). Constant inputs that are attributes-like (Clip bounds)
    /// may be read from <paramref name="constInput"/>; return null to use them as regular inputs.
    /// </summary>
    protected abstract Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput);

    /// <summary>Input slots that are folded into the expression as constants (not passed as tensors).</summary>
    protected virtual bool IsFoldedInput(NodeContext ctx, int index) => false;

    private int[] DataInputs(NodeContext ctx) =>
        Enumerable.Range(0, ctx.InputCount).Where(i => ctx.HasInput(i) && !IsFoldedInput(ctx, i)).ToArray();

    public override void InferTypes(InferContext ctx)
    {
        var idx = DataInputs(ctx);
        var types = idx.Select(i => ctx.InputType(i)).ToArray();
        var expr = Build(ctx, types.Select(t => t.DataType).ToArray(), ctx.ConstInput);
        Dim[]? shape = types.Any(t => t.Shape is null) ? null : Shapes.Broadcast(ctx, types.Select(t => t.Shape!).ToArray());
        ctx.SetOutput(0, expr.Type, shape);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var idx = DataInputs(ctx);
        var ins = idx.Select(ctx.Input).ToArray();
        var expr = Build(ctx, ins.Select(t => t.DataType).ToArray(), i => ctx.OptionalInput(i));
        var outShape = Shapes.Broadcast(ctx, ins.Select(t => t.Shape).ToArray());
        var result = Tensor.Zeros(expr.Type, outShape);
        if (expr.Type == DataType.String || ins.Any(t => t.DataType == DataType.String))
        {
            throw new UnsupportedModelException($"{ctx.Node.Describe()}: string tensors are not supported");
        }
        var vals = new double[ins.Length];
        bool exactInt = expr.Type is DataType.Int64 or DataType.UInt64;
        Shapes.ForEachBroadcast(outShape, ins.Select(t => t.Shape).ToArray(), (o, offs) =>
        {
            for (int k = 0; k < offs.Length; k++)
            {
                vals[k] = ins[k].GetDouble(offs[k]);
            }
            double r = ExprEvaluator.Eval(expr, vals);
            if (exactInt && expr is BinaryExpr { Op: BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul } b && b.A is InputExpr && b.B is InputExpr)
            {
                // Keep int64 arithmetic exact beyond 2^53.
                long x = ins[0].GetLong(offs[0]), y = ins[1].GetLong(offs[1]);
                result.SetLong(o, unchecked(b.Op switch { BinaryOp.Add => x + y, BinaryOp.Sub => x - y, _ => x * y }));
            }
            else
            {
                result.SetDouble(o, r);
            }
        });
        ctx.SetOutput(0, result);
    }

    public override bool Lower(LowerContext ctx)
    {
        var idx = DataInputs(ctx);
        var bufs = idx.Select(ctx.Input).ToArray();
        var expr = Build(ctx, bufs.Select(b => b.DataType).ToArray(), ctx.ConstInput).MapTypes(LowerContext.KernelType);
        ctx.Emit(new ElementwiseKernel(expr) { Inputs = bufs, Outputs = [ctx.Output(0)] });
        return true;
    }
}

/// <summary>Base for one-input ops defined by a <see cref="UnaryOp"/>.</summary>
public abstract class UnaryOpDef : ElementwiseOp
{
    public override FusionKind Fusion => FusionKind.ElementWise;

    protected abstract UnaryOp Op { get; }

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput) => Expr.Un(Op, Expr.In(0, types[0]));
}

/// <summary>Base for two-input broadcasting ops defined by a <see cref="BinaryOp"/>.</summary>
public abstract class BinaryOpDef : ElementwiseOp
{
    protected abstract BinaryOp Op { get; }

    protected override Expr Build(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput)
    {
        if (types.Length != 2)
        {
            throw ctx.Error($"expects 2 inputs, got {types.Length}");
        }
        return Expr.Bin(Op, Expr.In(0, types[0]), Expr.In(1, types[1]));
    }
}
