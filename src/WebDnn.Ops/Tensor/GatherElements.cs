using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX GatherElements (opset 11): out[idx] = data[idx with idx[axis] replaced by indices[idx]]; the output has the
/// indices' shape; negative indices count from the end. Lowers to a <see cref="GatherElementsKernel"/>.
/// </summary>
public sealed class GatherElements : OpDef
{
    public override string OpType => "GatherElements";

    public override int SinceVersion => 11;

    public override FusionKind Fusion => FusionKind.Injective;

    public override void InferTypes(InferContext ctx)
    {
        var data = ctx.InputType(0);
        var idx = ctx.InputType(1);
        if (data.Shape is not null && idx.Shape is not null && data.Rank != idx.Rank)
        {
            throw ctx.Error($"data has rank {data.Rank} but indices rank {idx.Rank}");
        }
        ctx.SetOutput(0, data.DataType, idx.Shape);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var data = ctx.Input(0);
        var indices = ctx.Input(1);
        if (data.Rank != indices.Rank)
        {
            throw ctx.Error($"data has rank {data.Rank} but indices rank {indices.Rank}");
        }
        int axis = ctx.Axis(ctx.Int("axis", 0), data.Rank);
        // The gather_elements primitive's reference is the semantics (negative indices count from the end).
        var y = Tensor.Zeros(data.DataType, indices.Shape);
        try
        {
            GatherElementsReference.Run(new GatherElementsKernel(axis) { Inputs = [], Outputs = [] }, data, indices, y);
        }
        catch (ArgumentException e)
        {
            throw ctx.Error(e.Message);
        }
        ctx.SetOutput(0, y);
    }

    public override bool Lower(LowerContext ctx)
    {
        int axis = ctx.Axis(ctx.Int("axis", 0), ctx.InputShape(0).Length);
        ctx.Emit(new GatherElementsKernel(axis) { Inputs = [ctx.Input(0), ctx.Input(1)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
