using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Squeeze: removes the listed axes, which must have size 1 (attribute <c>axes</c> before opset 13, optional
/// int64 input 1 from opset 13; negative axes from opset 11). Without axes, every size-1 axis is removed.
/// Lowers to an alias.
/// </summary>
public sealed class Squeeze : OpDef
{
    public override string OpType => "Squeeze";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    private static long[]? AxesSpec(NodeContext ctx, Func<int, Tensor?> input) =>
        ctx.Opset >= 13 ? input(1)?.ToLongs() : ctx.Ints("axes");

    private static HashSet<int> Normalize(NodeContext ctx, long[] axes, int rank)
    {
        var set = new HashSet<int>();
        foreach (var a in axes)
        {
            if (!set.Add(ctx.Axis(a, rank)))
            {
                throw ctx.Error($"axis {a} is listed twice");
            }
        }
        return set;
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        bool axesGiven = ctx.Opset >= 13 ? ctx.HasInput(1) : ctx.HasAttr("axes");
        var axes = AxesSpec(ctx, ctx.ConstInput);
        if (x.Shape is null || axesGiven && axes is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        if (axes is null)
        {
            if (x.Shape.Any(d => !d.IsKnown))
            {
                ctx.SetOutput(0, x.DataType, null);
                return;
            }
            ctx.SetOutput(0, x.DataType, x.Shape.Where(d => d.Value != 1).ToArray());
            return;
        }
        var set = Normalize(ctx, axes, x.Rank);
        foreach (var a in set)
        {
            if (x.Shape[a].IsKnown && x.Shape[a].Value != 1)
            {
                throw ctx.Error($"cannot squeeze axis {a} of size {x.Shape[a].Value}");
            }
        }
        ctx.SetOutput(0, x.DataType, x.Shape.Where((_, i) => !set.Contains(i)).ToArray());
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var axes = AxesSpec(ctx, ctx.OptionalInput);
        var set = axes is null ? Enumerable.Range(0, x.Rank).Where(i => x.Shape[i] == 1).ToHashSet() : Normalize(ctx, axes, x.Rank);
        foreach (var a in set)
        {
            if (x.Shape[a] != 1)
            {
                throw ctx.Error($"cannot squeeze axis {a} of size {x.Shape[a]}");
            }
        }
        ctx.SetOutput(0, x.Reshape(x.Shape.Where((_, i) => !set.Contains(i)).ToArray()));
    }

    public override bool Lower(LowerContext ctx)
    {
        ctx.Alias(0, ctx.Input(0));
        return true;
    }
}
