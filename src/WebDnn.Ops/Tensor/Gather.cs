using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Gather (numpy take): out[a…, i…, b…] = data[a…, indices[i…], b…] along <c>axis</c> (default 0); the output
/// shape is data.shape[:axis] + indices.shape + data.shape[axis+1:]. Negative indices count from the end (opset 11
/// made this official); an index outside [−d, d) is an error. Lowers to a <see cref="GatherKernel"/>.
/// </summary>
public sealed class Gather : OpDef
{
    public override string OpType => "Gather";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    public override void InferTypes(InferContext ctx)
    {
        var data = ctx.InputType(0);
        var idx = ctx.InputType(1);
        if (data.Shape is null || idx.Shape is null)
        {
            ctx.SetOutput(0, data.DataType, null);
            return;
        }
        int axis = ctx.Axis(ctx.Int("axis", 0), data.Rank);
        ctx.SetOutput(0, data.DataType, [.. data.Shape[..axis], .. idx.Shape, .. data.Shape[(axis + 1)..]]);
    }

    public override void Evaluate(EvalContext ctx)
    {
        var data = ctx.Input(0);
        var indices = ctx.Input(1);
        int axis = ctx.Axis(ctx.Int("axis", 0), data.Rank);
        int[] outShape = [.. data.Shape[..axis], .. indices.Shape, .. data.Shape[(axis + 1)..]];
        // The gather primitive's reference is the semantics (negative indices count from the end).
        var y = Tensor.Zeros(data.DataType, outShape);
        try
        {
            GatherReference.Run(new GatherKernel(axis) { Inputs = [], Outputs = [] }, data, indices, y);
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
        ctx.Emit(new GatherKernel(axis) { Inputs = [ctx.Input(0), ctx.Input(1)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
