using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Reshape (opset 5+: the target shape is input 1, int64). A 0 entry copies the input dimension at the same
/// index unless <c>allowzero</c> = 1 (opset 14+), where it means a dimension of size 0; at most one −1 entry is
/// inferred so that the element count is unchanged. Lowers to an alias (no data movement).
/// </summary>
public sealed class Reshape : OpDef
{
    public override string OpType => "Reshape";

    public override int SinceVersion => 7;

    public override FusionKind Fusion => FusionKind.Injective;

    /// <summary>The output shape for input shape <paramref name="input"/> and target <paramref name="spec"/>.</summary>
    public static Dim[] Target(NodeContext ctx, Dim[] input, long[] spec, bool allowZero)
    {
        var r = new Dim[spec.Length];
        int minusOne = -1;
        var copied = new bool[input.Length];
        for (int i = 0; i < spec.Length; i++)
        {
            long s = spec[i];
            if (s == -1)
            {
                if (minusOne >= 0)
                {
                    throw ctx.Error($"shape [{string.Join(",", spec)}] has more than one -1");
                }
                minusOne = i;
            }
            else if (s == 0 && !allowZero)
            {
                if (i >= input.Length)
                {
                    throw ctx.Error($"shape [{string.Join(",", spec)}] copies dimension {i} (0) but the input has rank {input.Length}");
                }
                r[i] = input[i];
                copied[i] = true;
            }
            else if (s < 0)
            {
                throw ctx.Error($"shape [{string.Join(",", spec)}] has invalid entry {s}");
            }
            else
            {
                r[i] = s;
            }
        }
        if (allowZero && minusOne >= 0 && spec.Contains(0))
        {
            throw ctx.Error($"shape [{string.Join(",", spec)}] has both 0 and -1 with allowzero=1");
        }
        if (minusOne >= 0)
        {
            // Dims copied by 0 appear on both sides and cancel; the rest must be known, or cancel symbol by symbol.
            var rest = input.Where((_, i) => !copied[i]).ToArray();
            var others = r.Where((d, i) => i != minusOne && !(i < copied.Length && copied[i])).ToArray();
            r[minusOne] = Quotient(ctx, rest, others, input, spec);
        }
        else
        {
            var inTotal = TensorOpHelpers.Product(input);
            var outTotal = TensorOpHelpers.Product(r);
            if (inTotal.IsKnown && outTotal.IsKnown && inTotal.Value != outTotal.Value)
            {
                throw ctx.Error($"cannot reshape [{string.Join(",", input)}] to [{string.Join(",", r)}]: the element counts differ");
            }
        }
        return r;
    }

    /// <summary>
    /// Π<paramref name="num"/> / Π<paramref name="den"/> with equal symbols cancelled: known when no symbol is left, a lone
    /// symbol when the known parts are equal, else unknown. Throws when known parts do not divide.
    /// </summary>
    private static Dim Quotient(NodeContext ctx, Dim[] num, Dim[] den, Dim[] input, long[] spec)
    {
        var numSyms = num.Where(d => !d.IsKnown).ToList();
        var denSyms = den.Where(d => !d.IsKnown).ToList();
        foreach (var d in denSyms.ToArray())
        {
            int j = d.Symbol is null ? -1 : numSyms.FindIndex(n => n.Symbol == d.Symbol);
            if (j >= 0)
            {
                numSyms.RemoveAt(j);
                denSyms.Remove(d);
            }
        }
        long numK = num.Where(d => d.IsKnown).Aggregate(1L, (a, d) => a * d.Value);
        long denK = den.Where(d => d.IsKnown).Aggregate(1L, (a, d) => a * d.Value);
        if (denSyms.Count > 0)
        {
            return Dim.Unknown;
        }
        if (numSyms.Count == 0)
        {
            if (denK == 0 ? numK != 0 : numK % denK != 0)
            {
                throw ctx.Error($"cannot reshape [{string.Join(",", input)}] to [{string.Join(",", spec)}]: the element counts differ");
            }
            return denK == 0 ? 0 : numK / denK;
        }
        return numSyms.Count == 1 && numK == denK && numK != 0 ? numSyms[0] : Dim.Unknown;
    }

    private static bool AllowZero(NodeContext ctx) => ctx.Opset >= 14 && ctx.Int("allowzero", 0) != 0;

    public override void InferTypes(InferContext ctx)
    {
        var x = ctx.InputType(0);
        var spec = ctx.ConstInput(1);
        if (spec is null)
        {
            var st = ctx.InputType(1);
            ctx.SetOutput(0, x.DataType, st.Shape is [{ IsKnown: true } n] ? Enumerable.Repeat(Dim.Unknown, (int)n.Value).ToArray() : null);
            return;
        }
        var input = x.Shape ?? Enumerable.Repeat(Dim.Unknown, spec.Length).ToArray();
        if (x.Shape is null && spec.ToLongs().Any(v => v is 0 or -1))
        {
            ctx.SetOutput(0, x.DataType, spec.ToLongs().Select(v => v > 0 || v == 0 && AllowZero(ctx) ? Dim.Of(v) : Dim.Unknown).ToArray());
            return;
        }
        ctx.SetOutput(0, x.DataType, Target(ctx, input, spec.ToLongs(), AllowZero(ctx)));
    }

    public override void Evaluate(EvalContext ctx)
    {
        var x = ctx.Input(0);
        var dims = Target(ctx, Shapes.ToDims(x.Shape), ctx.Input(1).ToLongs(), AllowZero(ctx));
        ctx.SetOutput(0, x.Reshape(TensorOpHelpers.CheckedShape(ctx, dims.Select(d => d.Value))));
    }

    public override bool Lower(LowerContext ctx)
    {
        ctx.Alias(0, ctx.Input(0));
        return true;
    }
}
