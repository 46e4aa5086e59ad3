using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Compress (opset 9; negative axis from 11): keeps the slices along <c>axis</c> whose entry in the 1-D bool
/// condition is true (entries past the condition's length count as false); without <c>axis</c> the input is
/// flattened first. The output size depends on the data, so there is no lowering.
/// </summary>
public sealed class Compress : OpDef
{
    public override string OpType => "Compress";

    public override int SinceVersion => 9;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (!ctx.HasAttr("axis"))
        {
            ctx.SetOutput(0, x.DataType, [Dim.Unknown]);
            return;
        }
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        int axis = ctx.Axis(ctx.Int("axis"), x.Rank);
        ctx.SetOutput(0, x.DataType, x.Shape.Select((d, i) => i == axis ? Dim.Unknown : d).ToArray());
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var cond = ctx.Input(1);
        bool hasAxis = ctx.HasAttr("axis");
        var shape = hasAxis ? x.Shape : [x.Length];
        int axis = hasAxis ? ctx.Axis(ctx.Int("axis"), x.Rank) : 0;
        int n = shape[axis];
        if (cond.Length > n)
        {
            throw ctx.Error($"condition has {cond.Length} entries but the axis has {n}");
        }
        var keep = Enumerable.Range(0, n).Where(i => i < cond.Length && cond.GetDouble(i) != 0).ToArray();
        int outer = shape[..axis].Aggregate(1, (a, d) => a * d);
        int inner = shape[(axis + 1)..].Aggregate(1, (a, d) => a * d);
        var outShape = shape.Select((d, i) => i == axis ? keep.Length : d).ToArray();
        var index = new int[Tensor.ElementCount(outShape)];
        int at = 0;
        for (int o = 0; o < outer; o++)
        {
            foreach (var k in keep)
            {
                for (int i = 0; i < inner; i++)
                {
                    index[at++] = (o * n + k) * inner + i;
                }
            }
        }
        ctx.SetOutput(0, TensorOpHelpers.Take(x, outShape, index));
    }
}
