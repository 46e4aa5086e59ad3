using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX Gemm (opset 7, 9, 11, 13): Y = alpha · A' · B' + beta · C with A' = transA ? Aᵀ : A ([M, K]),
/// B' = transB ? Bᵀ : B ([K, N]); C (optional from opset 11) broadcasts unidirectionally to [M, N].
/// Floats accumulate in f32. A fused epilogue (<see cref="Epilogue"/>) is applied to Y.
/// Lowering: a <see cref="MatMulKernel"/>; transposes of constant operands (and alpha) are folded into new
/// weights, other transposes become a <see cref="CopyKernel"/>; beta·C becomes the kernel bias (or an epilogue
/// operand when it is not constant and beta ≠ 1).
/// </summary>
public sealed class Gemm : OpDef
{
    public override string OpType => "Gemm";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.OutputFusable;

    private static (Dim M, Dim K, Dim N) Dims(NodeContext ctx, Dim[] a, Dim[] b)
    {
        if (a.Length != 2 || b.Length != 2)
        {
            throw ctx.Error($"A and B must be 2-D, got ranks {a.Length} and {b.Length}");
        }
        bool ta = ctx.Int("transA", 0) != 0, tb = ctx.Int("transB", 0) != 0;
        Dim m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
        Dim k2 = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
        if (k.IsKnown && k2.IsKnown && k.Value != k2.Value)
        {
            throw ctx.Error($"inner dimensions differ: A' has K={k}, B' has K={k2}");
        }
        return (m, k, n);
    }

    public override void InferTypes(InferContext ctx)
    {
        var a = ctx.InputType(0);
        var b = ctx.InputType(1);
        var dt = Epilogue.ResultType(ctx, a.DataType);
        if (a.Shape is null || b.Shape is null)
        {
            ctx.SetOutput(0, dt, [Dim.Unknown, Dim.Unknown]);
            return;
        }
        var (m, _, n) = Dims(ctx, a.Shape, b.Shape);
        var (_, first) = Epilogue.Get(ctx);
        if (first > 2 && ctx.OptionalInputType(2) is { Shape: { } cs })
        {
            if (cs.Length > 2)
            {
                throw ctx.Error($"C has rank {cs.Length}, more than 2");
            }
            Shapes.Broadcast(ctx, [m, n], cs);
        }
        ctx.SetOutput(0, dt, [m, n]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        var (_, first) = Epilogue.Get(ctx);
        var c = first > 2 ? ctx.OptionalInput(2) : null;
        var (md, kd, nd) = Dims(ctx, Shapes.ToDims(a.Shape), Shapes.ToDims(b.Shape));
        int m = (int)md.Value, k = (int)kd.Value, n = (int)nd.Value;
        bool ta = ctx.Int("transA", 0) != 0, tb = ctx.Int("transB", 0) != 0;
        float alpha = ctx.Float("alpha", 1f), beta = ctx.Float("beta", 1f);
        var fa = a.ToFloats();
        if (ta)
        {
            fa = Transpose(fa, k, m);
        }
        var fb = b.ToFloats();
        var y = new float[m * n];
        if (tb && m <= 4)
        {
            Sgemm.MultiplyDot(m, n, k, fa, 0, k, fb, 0, k, y, 0, n, false);
        }
        else
        {
            Sgemm.Multiply(m, n, k, fa, 0, k, tb ? Sgemm.RowMajor(Transpose(fb, n, k), 0, n, k) : Sgemm.RowMajor(fb, 0, n, k), y, 0, n, false);
        }
        if (alpha != 1f)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(y, alpha, y);
        }
        if (c is not null && beta != 0f)
        {
            if (c.Rank > 2)
            {
                throw ctx.Error($"C has rank {c.Rank}, more than 2");
            }
            var fc = c.ToFloats();
            if (!Shapes.Broadcast(ctx, [m, n], c.Shape).SequenceEqual([m, n]))
            {
                throw ctx.Error($"C [{string.Join(",", c.Shape)}] does not broadcast to [{m},{n}]");
            }
            Shapes.ForEachBroadcast([m, n], [c.Shape], (o, offs) => y[o] += beta * fc[offs[0]]);
        }
        ctx.SetOutput(0, Epilogue.Apply(ctx, NnData.FromFloats(a.DataType, [m, n], y)));
    }

    /// <summary>Transpose of a row-major [rows, cols] matrix.</summary>
    internal static float[] Transpose(float[] src, int rows, int cols)
    {
        var r = new float[src.Length];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                r[j * rows + i] = src[i * cols + j];
            }
        }
        return r;
    }

    public override bool Lower(LowerContext ctx)
    {
        var sa = ctx.InputShape(0);
        var sb = ctx.InputShape(1);
        bool ta = ctx.Int("transA", 0) != 0, tb = ctx.Int("transB", 0) != 0;
        float alpha = ctx.Float("alpha", 1f), beta = ctx.Float("beta", 1f);
        var (expr, first) = Epilogue.Get(ctx);
        bool alphaPending = alpha != 1f;
        var a = Operand(ctx, 0, sa, ta, ref alphaPending, alpha);
        var b = Operand(ctx, 1, sb, tb, ref alphaPending, alpha);
        var inputs = new List<KernelBuffer> { a, b };
        bool hasBias = false;
        var f32 = DataType.Float32;
        // pre: the Gemm epilogue before the node's own epilogue; in0 = acc (+bias), in1.. = pre operands.
        Expr pre = Expr.In(0, f32);
        if (alphaPending)
        {
            pre = Expr.Bin(BinaryOp.Mul, pre, Expr.Const(alpha, f32));
        }
        var preOperands = new List<KernelBuffer>();
        if (first > 2 && ctx.HasInput(2) && beta != 0f)
        {
            var cConst = ctx.ConstInput(2);
            if (!alphaPending && (beta == 1f || cConst is not null))
            {
                hasBias = true;
                inputs.Add(beta == 1f ? ctx.Input(2) : Weight(ctx, cConst!.Shape, cConst.ToFloats().Select(v => v * beta).ToArray()));
            }
            else
            {
                preOperands.Add(ctx.Input(2));
                pre = Expr.Bin(BinaryOp.Add, pre, Expr.Bin(BinaryOp.Mul, Expr.In(1, f32), Expr.Const(beta, f32)));
            }
        }
        int epFirst = inputs.Count;
        inputs.AddRange(preOperands);
        for (int i = first; i < ctx.InputCount; i++)
        {
            inputs.Add(ctx.Input(i));
        }
        Expr? ep = expr?.MapTypes(LowerContext.KernelType);
        if (ep is not null)
        {
            int shift = preOperands.Count;
            var p = pre;
            ep = ep.Substitute(i => i.Index == 0 ? p : Expr.In(i.Index + shift, i.InputType));
        }
        else if (pre is not InputExpr)
        {
            ep = pre;
        }
        ctx.Emit(new MatMulKernel(hasBias, ep, epFirst) { Inputs = [.. inputs], Outputs = [ctx.Output(0)] });
        return true;
    }

    /// <summary>Operand <paramref name="i"/> in [rows, cols] order for the kernel (transposed if asked), folding alpha into a constant.</summary>
    private static KernelBuffer Operand(LowerContext ctx, int i, int[] shape, bool trans, ref bool alphaPending, float alpha)
    {
        if (ctx.ConstInput(i) is { } t && (trans || alphaPending))
        {
            var f = t.ToFloats();
            if (trans)
            {
                f = Transpose(f, shape[0], shape[1]);
            }
            else
            {
                f = (float[])f.Clone();
            }
            if (alphaPending)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(f, alpha, f);
                alphaPending = false;
            }
            return Weight(ctx, trans ? [shape[1], shape[0]] : shape, f);
        }
        var buf = ctx.Input(i);
        if (!trans)
        {
            return buf;
        }
        var tmp = ctx.Temp(buf.DataType, [shape[1], shape[0]]);
        ctx.Emit(new CopyKernel([shape[1], shape[0]], shape, [1, 0], [1, 1], [0, 0], 0, [shape[0], 1], PadMode.None, 0) { Inputs = [buf], Outputs = [tmp] });
        return tmp;
    }

    private static KernelBuffer Weight(LowerContext ctx, int[] shape, float[] data)
    {
        var w = ctx.Program.NewBuffer(DataType.Float32, shape, BufferKind.Weight);
        w.Weight = Tensor.FromFloats(shape, data);
        return w;
    }
}
