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

    public override int SinceVersion => 5;

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
        var inTotal = TensorOpHelpers.Product(input);
        if (minusOne >= 0)
        {
            // Symbolic dims copied by 0 cancel out; the rest of the input must be known to infer -1.
            var rest = input.Where((_, i) => !copied[i]).ToArray();
            var others = r.Where((d, i) => i != minusOne && !(i < copied.Length && copied[i])).ToArray();
            var restP = TensorOpHelpers.Product(rest);
            var othersP = TensorOpHelpers.Product(others);
            if (restP.IsKnown && othersP.IsKnown)
            {
                if (othersP.Value == 0 ? restP.Value != 0 : restP.Value % othersP.Value != 0)
                {
                    throw ctx.Error($"cannot reshape [{string.Join(",", input)}] to [{string.Join(",", spec)}]");
                }
                r[minusOne] = othersP.Value == 0 ? 0 : restP.Value / othersP.Value;
            }
            else if (othersP.IsKnown && othersP.Value == 1 && !restP.IsKnown && restP.Symbol is not null)
            {
                r[minusOne] = restP;
            }
            else
            {
                r[minusOne] = Dim.Unknown;
            }
        }
        else
        {
            var outTotal = TensorOpHelpers.Product(r);
            if (inTotal.IsKnown && outTotal.IsKnown && inTotal.Value != outTotal.Value)
            {
                throw ctx.Error($"cannot reshape [{string.Join(",", input)}] ({inTotal.Value} elements) to [{string.Join(",", r)}] ({outTotal.Value} elements)");
            }
        }
        return r;
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
