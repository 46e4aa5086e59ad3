using WebDnn.Core;

namespace WebDnn.Ops.TensorOps;

/// <summary>
/// ONNX Einsum (opset 12): Einstein summation over the subscripts of <c>equation</c> ("ij,jk->ik"; "..." stands for
/// broadcast leading dims; repeated letters in one term take a diagonal). Without "->" the output lists the ellipsis
/// dims, then the letters used exactly once, alphabetically. Every output element is Σ over the other letters of
/// the product of the operands, accumulated in double (int64 exactly for integer types).
/// A brute-force reference only: no lowering.
/// </summary>
public sealed class Einsum : OpDef
{
    public override string OpType => "Einsum";

    public override int SinceVersion => 12;

    private const int EllipsisBase = 1000;

    private sealed record Plan(int[][] Terms, int[] Output);

    /// <summary>Parses the equation into label lists (letters as chars, ellipsis dims as EllipsisBase + k).</summary>
    private static Plan Parse(NodeContext ctx, int[] ranks)
    {
        string eq = ctx.Str("equation", "").Replace(" ", "", StringComparison.Ordinal);
        var parts = eq.Split("->");
        if (parts.Length > 2)
        {
            throw ctx.Error($"equation '{eq}' has more than one '->'");
        }
        var terms = parts[0].Split(',');
        if (terms.Length != ranks.Length)
        {
            throw ctx.Error($"equation '{eq}' has {terms.Length} operands but the node has {ranks.Length} inputs");
        }
        int ellRank = 0;
        for (int t = 0; t < terms.Length; t++)
        {
            if (terms[t].Contains("...", StringComparison.Ordinal))
            {
                ellRank = Math.Max(ellRank, ranks[t] - (terms[t].Length - 3));
            }
        }
        var labels = new int[terms.Length][];
        for (int t = 0; t < terms.Length; t++)
        {
            labels[t] = Expand(ctx, terms[t], ranks[t], ellRank);
        }
        int[] output;
        if (parts.Length == 2)
        {
            output = Expand(ctx, parts[1], -1, ellRank);
        }
        else
        {
            var counts = labels.SelectMany(l => l).Where(l => l < EllipsisBase).GroupBy(l => l).Where(g => g.Count() == 1).Select(g => g.Key).Order();
            output = [.. Enumerable.Range(0, ellRank).Select(k => EllipsisBase + k), .. counts];
        }
        return new Plan(labels, output);
    }

    private static int[] Expand(NodeContext ctx, string term, int rank, int ellRank)
    {
        var r = new List<int>();
        int dots = term.IndexOf("...", StringComparison.Ordinal);
        string letters = dots >= 0 ? term.Remove(dots, 3) : term;
        if (letters.Any(c => !char.IsAsciiLetter(c)))
        {
            throw ctx.Error($"subscript '{term}' has characters other than letters and '...'");
        }
        int ell = dots < 0 ? 0 : rank < 0 ? ellRank : rank - letters.Length;
        if (rank >= 0 && letters.Length + ell != rank)
        {
            throw ctx.Error($"subscript '{term}' does not match an operand of rank {rank}");
        }
        foreach (var c in term[..(dots < 0 ? term.Length : dots)])
        {
            r.Add(c);
        }
        for (int k = 0; k < ell; k++)
        {
            r.Add(EllipsisBase + ellRank - ell + k);
        }
        if (dots >= 0)
        {
            foreach (var c in term[(dots + 3)..])
            {
                r.Add(c);
            }
        }
        return [.. r];
    }

    private static Dictionary<int, long> Sizes(NodeContext ctx, Plan plan, Dim[][] shapes, bool strict)
    {
        var sizes = new Dictionary<int, long>();
        for (int t = 0; t < plan.Terms.Length; t++)
        {
            for (int a = 0; a < plan.Terms[t].Length; a++)
            {
                int l = plan.Terms[t][a];
                var d = shapes[t][a];
                long v = d.IsKnown ? d.Value : -1;
                if (!sizes.TryGetValue(l, out var old) || old == 1 && l >= EllipsisBase || old < 0)
                {
                    sizes[l] = v;
                }
                else if (strict && v >= 0 && v != old && !(l >= EllipsisBase && v == 1))
                {
                    throw ctx.Error($"subscript '{(l < EllipsisBase ? ((char)l).ToString() : "...")}' has sizes {old} and {v}");
                }
            }
        }
        foreach (var l in plan.Output)
        {
            if (!sizes.ContainsKey(l))
            {
                throw ctx.Error($"output subscript '{(char)l}' does not appear in the inputs");
            }
        }
        return sizes;
    }

    public override void InferTypes(InferContext ctx)
    {
        var types = Enumerable.Range(0, ctx.InputCount).Select(ctx.InputType).ToArray();
        if (types.Any(t => t.Shape is null))
        {
            ctx.SetOutput(0, types[0].DataType, null);
            return;
        }
        var plan = Parse(ctx, types.Select(t => t.Rank).ToArray());
        var sizes = Sizes(ctx, plan, types.Select(t => t.Shape!).ToArray(), strict: true);
        ctx.SetOutput(0, types[0].DataType, plan.Output.Select(l => sizes[l] >= 0 ? Dim.Of(sizes[l]) : Dim.Unknown).ToArray());
    }

    public override void Evaluate(EvalContext ctx)
    {
        var ins = Enumerable.Range(0, ctx.InputCount).Select(ctx.Input).ToArray();
        var plan = Parse(ctx, ins.Select(t => t.Rank).ToArray());
        var sizes = Sizes(ctx, plan, ins.Select(t => Shapes.ToDims(t.Shape)).ToArray(), strict: true);
        var all = plan.Output.Concat(sizes.Keys.Where(l => !plan.Output.Contains(l))).ToArray();
        var slot = all.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
        var loopShape = all.Select(l => (int)sizes[l]).ToArray();
        var outShape = plan.Output.Select(l => (int)sizes[l]).ToArray();
        long outCount = Tensor.ElementCount(outShape);
        int inner = (int)(Tensor.ElementCount(loopShape) / Math.Max(outCount, 1));
        var result = Tensor.Zeros(ins[0].DataType, outShape);
        bool exactInt = !ins[0].DataType.IsFloat();
        var strides = ins.Select(t => Tensor.Strides(t.Shape)).ToArray();
        var accD = new double[outCount];
        var accL = new long[outCount];
        TensorOpHelpers.ForEachIndex(loopShape, (flat, idx) =>
        {
            double p = 1;
            long q = 1;
            for (int t = 0; t < ins.Length; t++)
            {
                int off = 0;
                for (int a = 0; a < plan.Terms[t].Length; a++)
                {
                    int c = ins[t].Shape[a] == 1 ? 0 : idx[slot[plan.Terms[t][a]]];
                    off += c * strides[t][a];
                }
                if (exactInt)
                {
                    q = unchecked(q * ins[t].GetLong(off));
                }
                else
                {
                    p *= ins[t].GetDouble(off);
                }
            }
            int o = inner == 0 ? 0 : flat / inner;
            accD[o] += p;
            accL[o] = unchecked(accL[o] + q);
        });
        for (int o = 0; o < outCount; o++)
        {
            if (exactInt)
            {
                result.SetLong(o, accL[o]);
            }
            else
            {
                result.SetDouble(o, accD[o]);
            }
        }
        ctx.SetOutput(0, result);
    }
}
