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

    /// <summary>Fewest data inputs the expression reads (a model may list none); more are checked by <see cref="Build"/>.</summary>
    protected virtual int MinDataInputs => 1;

    private Expr BuildChecked(NodeContext ctx, DataType[] types, Func<int, Tensor?> constInput) =>
        types.Length >= MinDataInputs ? Build(ctx, types, constInput)
            : throw ctx.Error($"expects at least {MinDataInputs} input(s), got {types.Length}");

    /// <summary>Input slots that are folded into the expression as constants (not passed as tensors).</summary>
    protected virtual bool IsFoldedInput(NodeContext ctx, int index) => false;

    private int[] DataInputs(NodeContext ctx) =>
        Enumerable.Range(0, ctx.InputCount).Where(i => ctx.HasInput(i) && !IsFoldedInput(ctx, i)).ToArray();

    /// <summary>
    /// The node's scalar expression and the input slots its in0…in(n-1) stand for (inputs folded into the
    /// expression, such as constant Clip bounds, are not listed). Used by the fusion passes; needs input types.
    /// </summary>
    public (Expr Expr, int[] Slots) ScalarExpr(Node node)
    {
        var ctx = new InferContext(node);
        var idx = DataInputs(ctx);
        var types = idx.Select(i => ctx.InputType(i).DataType).ToArray();
        return (BuildChecked(ctx, types, ctx.ConstInput), idx);
    }

    public override void InferTypes(InferContext ctx)
    {
        var idx = DataInputs(ctx);
        var types = idx.Select(i => ctx.InputType(i)).ToArray();
        var expr = BuildChecked(ctx, types.Select(t => t.DataType).ToArray(), ctx.ConstInput);
        Dim[]? shape = types.Any(t => t.Shape is null) ? null : Shapes.Broadcast(ctx, types.Select(t => t.Shape!).ToArray());
        ctx.SetOutput(0, expr.Type, shape);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var idx = DataInputs(ctx);
        var ins = idx.Select(ctx.Input).ToArray();
        if (ins.Any(t => t.DataType == DataType.String))
        {
            throw new UnsupportedModelException($"{ctx.Node.Describe()}: string tensors are not supported");
        }
        var expr = BuildChecked(ctx, ins.Select(t => t.DataType).ToArray(), i => ctx.OptionalInput(i));
        ctx.SetOutput(0, EvaluateExpr(ctx, expr, ins));
    }

    /// <summary>
    /// Evaluates <paramref name="expr"/> for every element of the broadcast shape of <paramref name="ins"/>.
    /// Expressions that are integer/bool throughout run in exact 64-bit integer arithmetic
    /// (<see cref="ExprEvaluator.EvalInt"/>); the others in double, rounded to the output type on store.
    /// </summary>
    public static Tensor EvaluateExpr(NodeContext ctx, Expr expr, Tensor[] ins)
    {
        if (expr.Type == DataType.String)
        {
            throw new UnsupportedModelException($"{ctx.Node.Describe()}: string tensors are not supported");
        }
        var outShape = ins.Length == 0 ? [] : Shapes.Broadcast(ctx, ins.Select(t => t.Shape).ToArray());
        var result = Tensor.Zeros(expr.Type, outShape);
        var inShapes = ins.Select(t => t.Shape).ToArray();
        if (ExprEvaluator.IsIntegral(expr))
        {
            var lv = new long[ins.Length];
            Shapes.ForEachBroadcast(outShape, inShapes, (o, offs) =>
            {
                for (int k = 0; k < offs.Length; k++)
                {
                    lv[k] = ins[k].GetLong(offs[k]);
                }
                result.SetLong(o, ExprEvaluator.EvalInt(expr, lv));
            });
            return result;
        }
        EvaluateBlocks(expr, ins, outShape, result);
        return result;
    }

    private const int BlockSize = 1024;

    /// <summary>
    /// The double path, a block of elements at a time (<see cref="ExprBlockPlan"/>): inputs of the output's shape are
    /// read in place, one-element inputs are splatted once, other broadcast inputs are gathered per block.
    /// </summary>
    private static void EvaluateBlocks(Expr expr, Tensor[] ins, int[] outShape, Tensor result)
    {
        int n = result.Length, rank = outShape.Length;
        var plan = new ExprBlockPlan(expr, BlockSize);
        var src = ins.Select(ToDoubles).ToArray();
        var kind = ins.Select(t => t.Shape.SequenceEqual(outShape) ? 0 : t.Length == 1 ? 1 : 2).ToArray();
        var strides = ins.Select(t => Shapes.BroadcastStrides(t.Shape, outShape)).ToArray();
        var blockIn = new double[ins.Length][];
        var offsets = new int[ins.Length];
        for (int k = 0; k < ins.Length; k++)
        {
            blockIn[k] = kind[k] == 0 ? src[k] : new double[BlockSize];
            if (kind[k] == 1)
            {
                Array.Fill(blockIn[k], src[k][0]);
            }
        }
        bool gather = kind.Contains(2);
        var idx = new int[rank];
        var offs = new int[ins.Length];
        var floats = result.Data as float[];
        for (int start = 0; start < n; start += BlockSize)
        {
            int len = Math.Min(BlockSize, n - start);
            for (int k = 0; k < ins.Length; k++)
            {
                offsets[k] = kind[k] == 0 ? start : 0;
            }
            for (int j = 0; gather && j < len; j++)
            {
                for (int k = 0; k < ins.Length; k++)
                {
                    if (kind[k] == 2)
                    {
                        blockIn[k][j] = src[k][offs[k]];
                    }
                }
                Shapes.Advance(outShape, idx, offs, strides);
            }
            var (values, off) = plan.Run(blockIn, offsets, len);
            if (floats is not null)
            {
                for (int j = 0; j < len; j++)
                {
                    floats[start + j] = (float)values[off + j];
                }
            }
            else
            {
                for (int j = 0; j < len; j++)
                {
                    result.SetDouble(start + j, values[off + j]);
                }
            }
        }
    }

    private static double[] ToDoubles(Tensor t)
    {
        switch (t.Data)
        {
            case double[] d:
                return d;
            case float[] f:
                {
                    var r = new double[f.Length];
                    for (int i = 0; i < f.Length; i++)
                    {
                        r[i] = f[i];
                    }
                    return r;
                }
            default:
                return t.ToDoubles();
        }
    }

    public override bool Lower(LowerContext ctx)
    {
        var idx = DataInputs(ctx);
        var bufs = idx.Select(ctx.Input).ToArray();
        var expr = BuildChecked(ctx, bufs.Select(b => b.DataType).ToArray(), ctx.ConstInput).MapTypes(LowerContext.KernelType);
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
        if (types[0] != types[1])
        {
            throw ctx.Error($"input types differ ({types[0].ShortName()} and {types[1].ShortName()})");
        }
        return Expr.Bin(Op, Expr.In(0, types[0]), Expr.In(1, types[1]));
    }
}
