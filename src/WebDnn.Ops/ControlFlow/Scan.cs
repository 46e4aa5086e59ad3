using WebDnn.Core;

namespace WebDnn.Ops.ControlFlow;

/// <summary>
/// ONNX Scan. Opset 9+ (9, 11, 16, 19, 21, 23): inputs are N initial states then num_scan_inputs scan inputs; step t
/// runs the body on (states…, slice t of each scan input along scan_input_axes[j], reversed when
/// scan_input_directions[j] = 1) and gets (new states…, per-step scan outputs…). Outputs: the final states, then each
/// scan output stacked along scan_output_axes[j] (reversed for scan_output_directions[j] = 1).
/// Opset 8: a leading optional sequence_lens input and a batch axis 0 on every input/output; scan inputs are scanned
/// along axis 1 ("directions" attribute); every batch entry must use the full length. Reference only.
/// </summary>
public sealed class Scan : OpDef
{
    public override string OpType => "Scan";

    public override int SinceVersion => 8;

    public override void InferTypes(InferContext ctx)
    {
        var body = ControlFlowCommon.Body(ctx, "body");
        int m = (int)ctx.Int("num_scan_inputs");
        int first = ctx.Opset < 9 ? 1 : 0;
        int n = ctx.Node.Inputs.Count - first - m;
        if (n < 0 || body.Inputs.Count != n + m)
        {
            throw ctx.Error($"the body has {body.Inputs.Count} inputs for {n} states and {m} scan inputs");
        }
        for (int i = 0; i < ctx.OutputCount; i++)
        {
            if (i < n)
            {
                if (ctx.Node.Inputs[first + i]?.Type is { } t)
                {
                    ctx.SetOutput(i, t);
                }
            }
            else if (i < body.Outputs.Count && body.Outputs[i].Type is { } st)
            {
                ctx.SetOutput(i, st.DataType, st.Shape is null ? null : ctx.Opset < 9 ? null : [Dim.Unknown, .. st.Shape]);
            }
        }
    }

    public override void Evaluate(EvalContext ctx)
    {
        var body = ControlFlowCommon.Body(ctx, "body");
        int m = (int)ctx.Int("num_scan_inputs");
        if (ctx.Opset >= 9)
        {
            int n = ctx.InputsGiven - m;
            var ins = Enumerable.Range(0, ctx.InputsGiven).Select(ctx.Input).ToArray();
            var outs = Run(ctx, body, ins[..n], ins[n..], 0);
            for (int i = 0; i < outs.Length; i++)
            {
                ctx.SetOutput(i, outs[i]);
            }
            return;
        }
        // Opset 8: batch axis 0 everywhere, scan along axis 1 (0 after taking the batch entry).
        int n8 = ctx.InputsGiven - 1 - m;
        var all = Enumerable.Range(1, ctx.InputsGiven - 1).Select(ctx.Input).ToArray();
        int batch = all[0].Shape[0];
        if (ctx.OptionalInput(0) is { } lens && Enumerable.Range(0, lens.Length).Any(i => lens.GetLong(i) != all[n8].Shape[1]))
        {
            throw ctx.Error("sequence_lens shorter than the scan inputs are not supported");
        }
        var perBatch = new List<Tensor[]>();
        for (int b = 0; b < batch; b++)
        {
            var slice = all.Select(t => ControlFlowCommon.Slice(t, 0, b)).ToArray();
            perBatch.Add(Run(ctx, body, slice[..n8], slice[n8..], 0));
        }
        for (int i = 0; i < perBatch[0].Length; i++)
        {
            ctx.SetOutput(i, ControlFlowCommon.Stack(ctx, perBatch.Select(p => p[i]).ToList(), 0, perBatch[0][i].DataType, null));
        }
    }

    private static Tensor[] Run(EvalContext ctx, Graph body, Tensor[] states, Tensor[] scanIns, int axisShift)
    {
        int m = scanIns.Length;
        var run = ControlFlowCommon.Runner(ctx);
        var inAxes = ctx.Ints("scan_input_axes") ?? new long[m];
        var inDirs = ctx.Ints(ctx.Opset < 9 ? "directions" : "scan_input_directions") ?? new long[m];
        int k = body.Outputs.Count - states.Length;
        var outAxes = ctx.Ints("scan_output_axes") ?? new long[k];
        var outDirs = ctx.Ints("scan_output_directions") ?? new long[k];
        if (inAxes.Length != m || inDirs.Length != m || outAxes.Length != k || outDirs.Length != k)
        {
            throw ctx.Error("scan axes/directions attributes do not match the number of scan inputs/outputs");
        }
        var axes = scanIns.Select((t, j) => ctx.Axis(inAxes[j], t.Rank) + axisShift).ToArray();
        if (m == 0)
        {
            throw ctx.Error("Scan needs at least one scan input");
        }
        int len = scanIns[0].Shape[axes[0]];
        if (scanIns.Select((t, j) => t.Shape[axes[j]]).Any(l => l != len))
        {
            throw ctx.Error("scan inputs have different sequence lengths");
        }
        var state = states.ToArray();
        var scans = Enumerable.Range(0, k).Select(_ => new List<Tensor>()).ToArray();
        for (int t = 0; t < len; t++)
        {
            var slices = scanIns.Select((x, j) => ControlFlowCommon.Slice(x, axes[j], inDirs[j] == 1 ? len - 1 - t : t));
            var outs = run(body, [.. state, .. slices]);
            for (int i = 0; i < state.Length; i++)
            {
                state[i] = outs[i];
            }
            for (int j = 0; j < k; j++)
            {
                scans[j].Add(outs[state.Length + j]);
            }
        }
        var result = new List<Tensor>(state);
        for (int j = 0; j < k; j++)
        {
            var parts = scans[j];
            if (outDirs[j] == 1)
            {
                parts.Reverse();
            }
            int rank = parts.Count > 0 ? parts[0].Rank + 1 : 1;
            result.Add(ControlFlowCommon.Stack(ctx, parts, ctx.Axis(outAxes[j], rank), body.Outputs[state.Length + j].Type?.DataType ?? DataType.Float32, null));
        }
        return [.. result];
    }
}
