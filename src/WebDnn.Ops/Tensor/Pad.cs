using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Core.Kernels.Reference;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Pad. Opset &lt; 11: attributes <c>pads</c> ([x1_begin, x2_begin, …, x1_end, x2_end, …]) and <c>value</c>
/// (float, default 0). Opset 11+: int64 input pads, optional scalar input constant_value (default 0), and from
/// opset 18 optional input axes (pads then has 2·len(axes) entries). Modes: constant, reflect (mirror without
/// repeating the edge, numpy 'reflect'), edge (repeat the border), wrap (opset 19, periodic). Negative pads crop.
/// out[o] = in[o − begin] with out-of-range coordinates resolved by the mode.
/// Lowers to one <see cref="CopyKernel"/> (InStart = −begin, Mode = the pad mode).
/// </summary>
public sealed class Pad : OpDef
{
    public override string OpType => "Pad";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    private static PadMode Mode(NodeContext ctx) => ctx.Str("mode", "constant") switch
    {
        "constant" => PadMode.Constant,
        "reflect" => PadMode.Reflect,
        "edge" => PadMode.Edge,
        "wrap" => PadMode.Wrap,
        var m => throw ctx.Error($"unknown mode '{m}'"),
    };

    /// <summary>Per-axis (begin, end) pads, or null when they are not known.</summary>
    private static (long Begin, long End)[]? Pads(NodeContext ctx, int rank, Func<int, Tensor?> input)
    {
        long[]? pads;
        long[]? axes = null;
        if (ctx.Opset < 11)
        {
            pads = ctx.Ints("pads") ?? throw ctx.Error("required attribute 'pads' is missing");
        }
        else
        {
            pads = input(1)?.ToLongs();
            if (ctx.HasInput(3))
            {
                axes = input(3)?.ToLongs();
                if (axes is null)
                {
                    return null;
                }
            }
        }
        if (pads is null)
        {
            return null;
        }
        var axisList = axes?.Select(a => ctx.Axis(a, rank)).ToArray() ?? TensorOpHelpers.Iota(rank);
        int n = axisList.Length;
        if (pads.Length != 2 * n)
        {
            throw ctx.Error($"pads has {pads.Length} entries; expected {2 * n}");
        }
        var r = new (long, long)[rank];
        for (int i = 0; i < n; i++)
        {
            r[axisList[i]] = (pads[i], pads[i + n]);
        }
        return r;
    }

    private static double? Value(NodeContext ctx, Func<int, Tensor?> input)
    {
        if (ctx.Opset < 11)
        {
            return ctx.Float("value", 0);
        }
        if (!ctx.HasInput(2))
        {
            return 0;
        }
        return input(2) is { } t ? (t.Length > 0 ? t.GetDouble(0) : 0) : null;
    }

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        if (x.Shape is null)
        {
            ctx.SetOutput(0, x.DataType, null);
            return;
        }
        var pads = Pads(ctx, x.Rank, ctx.ConstInput);
        ctx.SetOutput(0, x.DataType, x.Shape.Select((d, i) =>
            pads is null ? Dim.Unknown : pads[i] == (0, 0) ? d : d.IsKnown ? Dim.Of(d.Value + pads[i].Begin + pads[i].End) : Dim.Unknown).ToArray());
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var pads = Pads(ctx, x.Rank, ctx.OptionalInput) ?? throw ctx.Error("pads are required");
        var mode = Mode(ctx);
        double value = Value(ctx, ctx.OptionalInput) ?? 0;
        var outShape = TensorOpHelpers.CheckedShape(ctx, x.Shape.Select((d, i) => d + pads[i].Begin + pads[i].End));
        if (mode != PadMode.Constant && x.Shape.Any(d => d == 0) && outShape.All(d => d > 0))
        {
            throw ctx.Error($"mode {mode} cannot pad an empty axis");
        }
        var strides = Tensor.Strides(x.Shape);
        var index = new int[Tensor.ElementCount(outShape)];
        TensorOpHelpers.ForEachIndex(outShape, (o, idx) =>
        {
            int off = 0;
            for (int d = 0; d < idx.Length; d++)
            {
                long c = idx[d] - pads[d].Begin, size = x.Shape[d];
                if (c < 0 || c >= size)
                {
                    c = mode switch
                    {
                        PadMode.Edge => Math.Clamp(c, 0, size - 1),
                        PadMode.Wrap => ((c % size) + size) % size,
                        PadMode.Reflect => CopyReference.Reflect(c, size),
                        _ => -1,
                    };
                    if (c < 0)
                    {
                        off = -1;
                        break;
                    }
                }
                off += (int)c * strides[d];
            }
            index[o] = off;
        });
        var result = TensorOpHelpers.Take(x, outShape, index, value);
        ctx.SetOutput(0, result);
    }

    public override bool Lower(LowerContext ctx)
    {
        var inShape = ctx.InputShape(0);
        var pads = Pads(ctx, inShape.Length, ctx.ConstInput);
        var value = Value(ctx, ctx.ConstInput);
        if (pads is null || value is null)
        {
            ctx.Unsupported("pads, constant_value and axes must be constants");
            return false;
        }
        var outShape = ctx.OutputShape(0);
        if (Tensor.ElementCount(outShape) == 0)
        {
            return true;
        }
        int r = inShape.Length;
        ctx.Emit(TensorOpHelpers.Copy(outShape, inShape, TensorOpHelpers.Iota(r), TensorOpHelpers.Fill(r, 1), pads.Select(p => (int)-p.Begin).ToArray(), Mode(ctx), value.Value)
            with
        { Inputs = [ctx.Input(0)], Outputs = [ctx.Output(0)] });
        return true;
    }
}
