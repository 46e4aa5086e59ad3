using WebDnn.Core;

namespace WebDnn.Ops.ControlFlow;

/// <summary>
/// ONNX If (opset 1, 11, 13, 16, 19, 21, 23): runs then_branch when the single-element bool <c>cond</c> is true, else
/// else_branch; the outputs are the branch's outputs (branches take no inputs and see outer-scope values).
/// Output types are the branch outputs' types where both branches agree (dims that differ become unknown).
/// Reference only (data-dependent control flow has no lowering).
/// </summary>
public sealed class If : OpDef
{
    public override string OpType => "If";

    public override void InferTypes(InferContext ctx)
    {
        var a = ControlFlowCommon.Body(ctx, "then_branch");
        var b = ControlFlowCommon.Body(ctx, "else_branch");
        if (a.Outputs.Count != b.Outputs.Count || a.Outputs.Count < ctx.OutputCount)
        {
            throw ctx.Error($"then_branch has {a.Outputs.Count} outputs, else_branch {b.Outputs.Count}, the node {ctx.OutputCount}");
        }
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            var ta = a.Outputs[i].Type;
            var tb = b.Outputs[i].Type;
            if (ta is null || tb is null)
            {
                if ((ta ?? tb) is { } t)
                {
                    ctx.SetOutput(i, t.DataType, null);
                }
                continue;
            }
            if (ta.Shape is null || tb.Shape is null || ta.Rank != tb.Rank)
            {
                ctx.SetOutput(i, ta.DataType, null);
                continue;
            }
            ctx.SetOutput(i, ta.DataType, ta.Shape.Zip(tb.Shape, (x, y) => x == y ? x : Dim.Unknown).ToArray());
        }
    }

    public override void Evaluate(EvalContext ctx)
    {
        var cond = ctx.Input(0);
        if (cond.Length != 1)
        {
            throw ctx.Error($"cond must hold one value, not {cond.Length}");
        }
        var branch = ControlFlowCommon.Body(ctx, cond.GetDouble(0) != 0 ? "then_branch" : "else_branch");
        var outs = ControlFlowCommon.Runner(ctx)(branch, []);
        for (int i = 0; i < outs.Length; i++)
        {
            ctx.SetOutput(i, outs[i]);
        }
    }
}
