using WebDnn.Core;

namespace WebDnn.Ops.ControlFlow;

/// <summary>
/// ONNX Loop (opset 1, 11, 13, 16, 19, 21, 23): inputs M (optional max trip count), cond (optional), v_initial….
/// The body gets (iteration_num: int64 scalar, cond_in, v…) and returns (cond_out, v…, scan_outputs…). It runs while
/// i &lt; M (when given) and cond is true (when given). Outputs: the final loop-carried values, then each scan output
/// stacked along a new axis 0 over the iterations. Reference only.
/// </summary>
public sealed class Loop : OpDef
{
    public override string OpType => "Loop";

    public override void InferTypes(InferContext ctx)
    {
        var body = ControlFlowCommon.Body(ctx, "body");
        int n = ctx.Node.Inputs.Count - 2;
        if (body.Inputs.Count != n + 2 || body.Outputs.Count < n + 1)
        {
            throw ctx.Error($"the body has {body.Inputs.Count} inputs and {body.Outputs.Count} outputs for {n} loop-carried values");
        }
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            if (i < n)
            {
                // Loop-carried values may change shape between iterations: keep the element type, the rank where it is stable.
                var t = ctx.Node.Inputs[i + 2]?.Type ?? body.Outputs[i + 1].Type;
                var bt = body.Outputs[i + 1].Type;
                if (t is not null)
                {
                    ctx.SetOutput(i, t.DataType, t.Shape is not null && bt?.Shape is not null && bt.Rank == t.Rank
                        ? t.Shape.Zip(bt.Shape, (a, b) => a == b ? a : Dim.Unknown).ToArray() : null);
                }
            }
            else if (i + 1 < body.Outputs.Count && body.Outputs[i + 1].Type is { } st)
            {
                ctx.SetOutput(i, st.DataType, st.Shape is null ? null : [Dim.Unknown, .. st.Shape]);
            }
        }
    }

    public override void Evaluate(EvalContext ctx)
    {
        var body = ControlFlowCommon.Body(ctx, "body");
        var run = ControlFlowCommon.Runner(ctx);
        long? max = ctx.OptionalInput(0) is { } m ? m.GetLong(0) : null;
        bool cond = ctx.OptionalInput(1) is not { } c || c.GetDouble(0) != 0;
        int n = ctx.InputsGiven - 2;
        var state = new Tensor?[Math.Max(n, 0)];
        for (int i = 0; i < n; i++)
        {
            state[i] = ctx.OptionalInput(i + 2);
        }
        int k = body.Outputs.Count - 1 - n;
        var scans = Enumerable.Range(0, k).Select(_ => new List<Tensor>()).ToArray();
        for (long it = 0; (max is null || it < max) && cond; it++)
        {
            if (max is null && it > 100_000_000)
            {
                throw ctx.Error("the loop did not terminate after 10⁸ iterations");
            }
            var outs = run(body, [Tensor.ScalarLong(it), new Tensor(DataType.Bool, [], new[] { cond }), .. state]);
            cond = outs[0].GetDouble(0) != 0;
            for (int i = 0; i < n; i++)
            {
                state[i] = outs[i + 1];
            }
            for (int j = 0; j < k; j++)
            {
                scans[j].Add(outs[1 + n + j]);
            }
        }
        for (int i = 0; i < n; i++)
        {
            if (state[i] is { } s)
            {
                ctx.SetOutput(i, s);
            }
        }
        for (int j = 0; j < k; j++)
        {
            var bt = body.Outputs[1 + n + j].Type;
            int[]? empty = bt is { IsStatic: true } ? [0, .. bt.StaticShape()] : null;
            ctx.SetOutput(n + j, ControlFlowCommon.Stack(ctx, scans[j], 0, bt?.DataType ?? DataType.Float32, empty));
        }
    }
}
