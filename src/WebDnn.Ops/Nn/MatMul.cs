using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX MatMul (opset 1, 9, 13; numpy.matmul semantics): A [..., M, K] · B [..., K, N] → [..., M, N], batch dims
/// broadcast numpy-style; a 1-D A is [1, K] with the M axis dropped from the result, a 1-D B is [K, 1] with N dropped.
/// Floats accumulate in f32 (<see cref="Sgemm"/>); integers exactly in 64-bit, wrapping to the element type.
/// A fused epilogue (<see cref="Epilogue"/>) is applied to the product.
/// </summary>
public sealed class MatMul : OpDef
{
    public override string OpType => "MatMul";

    public override FusionKind Fusion => FusionKind.OutputFusable;

    public override void InferTypes(InferContext ctx)
    {
        var a = ctx.InputType(0);
        var b = ctx.InputType(1);
        if (a.DataType != b.DataType)
        {
            throw ctx.Error($"operand types differ: {a.DataType.ShortName()} and {b.DataType.ShortName()}");
        }
        var dt = Epilogue.ResultType(ctx, a.DataType);
        if (a.Shape is null || b.Shape is null)
        {
            ctx.SetOutput(0, dt, null);
            return;
        }
        ctx.SetOutput(0, dt, OutDims(ctx, a.Shape, b.Shape));
    }

    /// <summary>The numpy.matmul result shape of symbolic operand shapes.</summary>
    public static Dim[] OutDims(NodeContext ctx, Dim[] a, Dim[] b)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            throw ctx.Error("MatMul operands must have rank >= 1");
        }
        var a2 = a.Length == 1 ? new[] { Dim.Of(1), a[0] } : a;
        var b2 = b.Length == 1 ? new[] { b[0], Dim.Of(1) } : b;
        Dim k1 = a2[^1], k2 = b2[^2];
        if (k1.IsKnown && k2.IsKnown && k1.Value != k2.Value)
        {
            throw ctx.Error($"inner dimensions differ: A [{string.Join(",", a)}] and B [{string.Join(",", b)}]");
        }
        var batch = Shapes.Broadcast(ctx, a2[..^2], b2[..^2]);
        var r = new List<Dim>(batch);
        if (a.Length > 1)
        {
            r.Add(a2[^2]);
        }
        if (b.Length > 1)
        {
            r.Add(b2[^1]);
        }
        return [.. r];
    }

    public override void Evaluate(EvalContext ctx)
    {
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        var outShape = OutDims(ctx, Shapes.ToDims(a.Shape), Shapes.ToDims(b.Shape)).Select(d => (int)d.Value).ToArray();
        var result = Multiply(ctx, a, b, outShape);
        ctx.SetOutput(0, Epilogue.Apply(ctx, result));
    }

    /// <summary>numpy.matmul of concrete tensors (<paramref name="outShape"/> from <see cref="OutDims"/>).</summary>
    public static Tensor Multiply(NodeContext ctx, Tensor a, Tensor b, int[] outShape)
    {
        int[] sa = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape;
        int[] sb = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape;
        int m = sa[^2], k = sa[^1], n = sb[^1];
        var batchA = sa[..^2];
        var batchB = sb[..^2];
        var batch = Shapes.Broadcast(ctx, batchA, batchB);
        long batches = Tensor.ElementCount(batch);
        var offA = new int[batches];
        var offB = new int[batches];
        Shapes.ForEachBroadcast(batch, [batchA, batchB], (o, offs) =>
        {
            offA[o] = offs[0] * m * k;
            offB[o] = offs[1] * k * n;
        });
        if (a.DataType.IsFloat())
        {
            var fa = a.ToFloats();
            var fb = b.ToFloats();
            var y = new float[batches * m * n];
            for (int t = 0; t < batches; t++)
            {
                Sgemm.Multiply(m, n, k, fa, offA[t], k, Sgemm.RowMajor(fb, offB[t], n, k), y, t * m * n, n, false);
            }
            return NnData.FromFloats(a.DataType, outShape, y);
        }
        var r = Tensor.Zeros(a.DataType, outShape);
        for (int t = 0; t < batches; t++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    long acc = 0;
                    for (int p = 0; p < k; p++)
                    {
                        acc = unchecked(acc + a.GetLong(offA[t] + i * k + p) * b.GetLong(offB[t] + p * n + j));
                    }
                    r.SetLong((t * m + i) * n + j, acc);
                }
            }
        }
        return r;
    }

    public override bool Lower(LowerContext ctx)
    {
        var sa = ctx.InputShape(0);
        var sb = ctx.InputShape(1);
        var a = ctx.Input(0);
        var b = ctx.Input(1);
        if (sa.Length == 1)
        {
            a = View(ctx, a, [1, sa[0]]);
        }
        if (sb.Length == 1)
        {
            b = View(ctx, b, [sb[0], 1]);
        }
        var output = ctx.Output(0);
        var outView = output;
        if (sa.Length == 1 || sb.Length == 1)
        {
            var os = ctx.OutputShape(0).ToList();
            if (sa.Length == 1)
            {
                os.Insert(Math.Max(0, os.Count - (sb.Length == 1 ? 0 : 1)), 1);
            }
            if (sb.Length == 1)
            {
                os.Add(1);
            }
            outView = View(ctx, output, [.. os]);
        }
        var (expr, first) = Epilogue.Get(ctx);
        var inputs = new List<KernelBuffer> { a, b };
        for (int i = first; i < ctx.InputCount; i++)
        {
            inputs.Add(ctx.Input(i));
        }
        ctx.Emit(new MatMulKernel(false, expr?.MapTypes(LowerContext.KernelType), 2) { Inputs = [.. inputs], Outputs = [outView] });
        return true;
    }

    /// <summary>A reshaped view of <paramref name="source"/> sharing its storage.</summary>
    internal static KernelBuffer View(LowerContext ctx, KernelBuffer source, int[] shape)
    {
        var v = ctx.Program.NewBuffer(source.DataType, shape, source.Kind == BufferKind.Weight ? BufferKind.Weight : BufferKind.Activation);
        v.AliasOf = source;
        if (source.Kind == BufferKind.Weight)
        {
            v.Weight = source.Weight?.Reshape(shape);
        }
        return v;
    }
}
