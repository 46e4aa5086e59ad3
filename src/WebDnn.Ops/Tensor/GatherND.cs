using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX GatherND (opset 11; <c>batch_dims</c> from opset 12). With b = batch_dims and q = indices.shape[−1], the
/// output shape is indices.shape[:−1] + data.shape[b+q:] and
/// out[i…, j…] = data[i[:b]…, indices[i…][0..q)…, j…]; negative indices count from the end. Lowers only when
/// batch_dims = 0 and q = 1: that is a <see cref="GatherKernel"/> on axis 0 with the indices viewed without their last axis.
/// </summary>
public sealed class GatherND : OpDef
{
    public override string OpType => "GatherND";

    public override int SinceVersion => 11;

    public override void InferTypes(InferContext ctx)
    {
        var data = ctx.InputType(0);
        var idx = ctx.InputType(1);
        int b = (int)ctx.Int("batch_dims", 0);
        if (data.Shape is null || idx.Shape is null || !idx.Shape[^1].IsKnown)
        {
            ctx.SetOutput(0, data.DataType, null);
            return;
        }
        int q = (int)idx.Shape[^1].Value;
        if (b + q > data.Rank || b >= idx.Rank)
        {
            throw ctx.Error($"indices last dimension {q} with batch_dims {b} exceeds the data rank {data.Rank}");
        }
        ctx.SetOutput(0, data.DataType, [.. idx.Shape[..^1], .. data.Shape[(b + q)..]]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var data = ctx.Input(0);
        var indices = ctx.Input(1);
        int b = (int)ctx.Int("batch_dims", 0);
        int q = indices.Shape[^1];
        if (b + q > data.Rank || b >= indices.Rank)
        {
            throw ctx.Error($"indices last dimension {q} with batch_dims {b} exceeds the data rank {data.Rank}");
        }
        int[] outShape = [.. indices.Shape[..^1], .. data.Shape[(b + q)..]];
        int slice = data.Shape[(b + q)..].Aggregate(1, (a, d) => a * d);
        int batch = data.Shape[..b].Aggregate(1, (a, d) => a * d);
        int perBatchIdx = indices.Shape[b..^1].Aggregate(1, (a, d) => a * d);
        int batchStride = data.Shape[b..].Aggregate(1, (a, d) => a * d);
        var strides = Tensor.Strides(data.Shape);
        var index = new int[Tensor.ElementCount(outShape)];
        int o = 0;
        for (int n = 0; n < batch; n++)
        {
            for (int t = 0; t < perBatchIdx; t++)
            {
                int row = n * perBatchIdx + t;
                int off = n * batchStride;
                for (int k = 0; k < q; k++)
                {
                    int dim = data.Shape[b + k];
                    long v = indices.GetLong(row * q + k);
                    if (v < -dim || v >= dim)
                    {
                        throw ctx.Error($"index {v} is out of range for axis {b + k} of size {dim}");
                    }
                    off += (int)(v < 0 ? v + dim : v) * strides[b + k];
                }
                for (int s = 0; s < slice; s++)
                {
                    index[o++] = off + s;
                }
            }
        }
        ctx.SetOutput(0, TensorOpHelpers.Take(data, outShape, index));
    }

    public override bool Lower(LowerContext ctx)
    {
        var idxShape = ctx.InputShape(1);
        if (ctx.Int("batch_dims", 0) != 0 || idxShape.Length == 0 || idxShape[^1] != 1)
        {
            ctx.Unsupported("only batch_dims = 0 with one index per tuple (a Gather on axis 0) is lowered");
            return false;
        }
        var indices = ctx.Input(1);
        var view = ctx.Temp(indices.DataType, idxShape[..^1]);
        view.AliasOf = indices;
        ctx.Emit(new GatherKernel(0) { Inputs = [ctx.Input(0), view], Outputs = [ctx.Output(0)] });
        return true;
    }
}
