using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX EyeLike (opset 9): a 2-D tensor of the input's shape with ones where j − i = k (attribute, default 0) and
/// zeros elsewhere; element type from attribute <c>dtype</c>, else the input's. No lowering (normally folded).
/// </summary>
public sealed class EyeLike : OpDef
{
    public override string OpType => "EyeLike";

    public override int SinceVersion => 9;

    private static DataType OutType(NodeContext ctx, DataType input)
    {
        if (!ctx.HasAttr("dtype"))
        {
            return input;
        }
        long dt = ctx.Int("dtype");
        return DataTypes.IsKnown((int)dt) && dt != (long)DataType.String ? (DataType)dt : throw new UnsupportedModelException($"{ctx.Node.Describe()}: dtype {dt} is not supported");
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is not null && x.Rank != 2)
        {
            throw ctx.Error($"input must be 2-D, not {x}");
        }
        ctx.SetOutput(0, OutType(ctx, x.DataType), x.Shape ?? [Dim.Unknown, Dim.Unknown]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        if (x.Rank != 2)
        {
            throw ctx.Error($"input must be 2-D, not [{string.Join(",", x.Shape)}]");
        }
        long k = ctx.Int("k", 0);
        var r = Tensor.Zeros(OutType(ctx, x.DataType), x.Shape);
        for (int i = 0; i < x.Shape[0]; i++)
        {
            long j = i + k;
            if (j >= 0 && j < x.Shape[1])
            {
                r.SetDouble(i * x.Shape[1] + (int)j, 1);
            }
        }
        ctx.SetOutput(0, r);
    }
}
