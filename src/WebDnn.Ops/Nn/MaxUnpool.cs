using WebDnn.Core;

namespace WebDnn.Ops.Nn;

/// <summary>
/// ONNX MaxUnpool (opset 9, 11, 22): the partial inverse of MaxPool. Y starts as zeros of shape
/// [N, C, (in_i - 1)·stride_i + kernel_i - pb_i - pe_i…]; then Y.flat[I[j]] = X[j] for every element
/// (I holds MaxPool's indices, flattened over the whole default-shaped tensor; a larger output_shape keeps each
/// element's coordinates and zero-fills the rest). Reference only.
/// </summary>
public sealed class MaxUnpool : OpDef
{
    public override string OpType => "MaxUnpool";

    public override int SinceVersion => 9;

    private static Dim[] DefaultShape(NodeContext ctx, Dim[] x)
    {
        int r = x.Length - 2;
        var sp = Spatial.Read(ctx, r, null);
        var outSp = new Dim[r];
        for (int i = 0; i < r; i++)
        {
            outSp[i] = x[i + 2].IsKnown ? Dim.Of((x[i + 2].Value - 1) * sp.Strides[i] + sp.Kernel[i] - sp.Pads[i] - sp.Pads[i + r]) : Dim.Unknown;
        }
        return [x[0], x[1], .. outSp];
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (ctx.HasInput(2))
        {
            ctx.SetOutput(0, x.DataType, ctx.ConstInput(2) is { } s ? s.ToLongs().Select(Dim.Of).ToArray()
                : x.Shape is null ? null : Enumerable.Repeat(Dim.Unknown, x.Rank).ToArray());
            return;
        }
        ctx.SetOutput(0, x.DataType, x.Shape is null ? null : DefaultShape(ctx, x.Shape));
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var idx = ctx.Input(1);
        if (idx.Length != x.Length)
        {
            throw ctx.Error($"indices have {idx.Length} elements but X has {x.Length}");
        }
        var shape = DefaultShape(ctx, Shapes.ToDims(x.Shape)).Select(d => checked((int)d.Value)).ToArray();
        var y = Tensor.Zeros(x.DataType, shape);
        for (int i = 0; i < x.Length; i++)
        {
            long j = idx.GetLong(i);
            if (j < 0 || j >= y.Length)
            {
                throw ctx.Error($"index {j} is outside the unpooled tensor of {y.Length} elements");
            }
            Array.Copy(x.Data, i, y.Data, (int)j, 1);
        }
        if (ctx.OptionalInput(2) is { } os)
        {
            // Indices address the default unpooled shape; an explicit output_shape keeps coordinates and pads at the end.
            var target = os.ToLongs().Select(v => checked((int)v)).ToArray();
            if (target.Length != shape.Length || target.Where((t, d) => t < shape[d]).Any())
            {
                throw ctx.Error($"output_shape [{string.Join(",", target)}] is smaller than the unpooled shape [{string.Join(",", shape)}]");
            }
            var padded = Tensor.Zeros(x.DataType, target);
            var ss = Tensor.Strides(shape);
            var ts = Tensor.Strides(target);
            for (int i = 0; i < y.Length; i++)
            {
                int off = 0;
                for (int d = 0; d < shape.Length; d++)
                {
                    off += i / ss[d] % shape[d] * ts[d];
                }
                Array.Copy(y.Data, i, padded.Data, off, 1);
            }
            y = padded;
        }
        ctx.SetOutput(0, y);
    }
}
