using WebDnn.Core;

namespace WebDnn.Compiler;

/// <summary>
/// Turns --shape values into one static shape per graph input, before any pass runs (so a mistake costs no pass time).
/// A key is an input name (<c>x=1,3,224,224</c>: its whole shape) or a symbolic dimension name (<c>batch=4</c>: one size,
/// fixing that symbol in every input that has it); an input name wins when a name is both. A whole shape given for one
/// input sizes its symbols in the other inputs too.
/// </summary>
public static class InputShapes
{
    /// <summary>The shapes to fix, by input name.</summary>
    /// <param name="g">The imported graph.</param>
    /// <param name="given">--shape values by key.</param>
    /// <param name="requireStatic">Every input must end up static (compile, run, verify; inspect does not need it).</param>
    /// <exception cref="UsageException">A key that names no input and no symbol; a rank or fixed-size conflict; with
    /// <paramref name="requireStatic"/>, an input left with a symbolic or unknown dimension (the message says which --shape to give).</exception>
    public static Dictionary<string, long[]> Resolve(Graph g, IReadOnlyDictionary<string, long[]> given, bool requireStatic)
    {
        var inputs = g.Inputs.Where(v => v.Const is null).ToList();
        var symbols = inputs.SelectMany(v => v.Type?.Shape ?? []).Where(d => !d.IsKnown && d.Symbol is not null).Select(d => d.Symbol!).ToHashSet(StringComparer.Ordinal);
        var bySymbol = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, dims) in given)
        {
            if (inputs.Any(v => v.Name == key))
            {
                continue;
            }
            if (!symbols.Contains(key))
            {
                throw new UsageException($"--shape {Display.Escape(key)}: the model has no input and no symbolic dimension of that name; " +
                    $"its inputs are {Describe(inputs)}");
            }
            if (dims.Length != 1)
            {
                throw new UsageException($"--shape {Display.Escape(key)}: '{Display.Escape(key)}' is a symbolic dimension; give one size (e.g. --shape {Display.Escape(key)}=1)");
            }
            bySymbol[key] = dims[0];
        }

        // A whole shape given for one input also sizes its symbols wherever else they appear (unless given by name).
        foreach (var v in inputs)
        {
            if (given.TryGetValue(v.Name, out var dims) && v.Type?.Shape is { } sh && sh.Length == dims.Length)
            {
                for (int i = 0; i < dims.Length; i++)
                {
                    if (!sh[i].IsKnown && sh[i].Symbol is { } sym && !given.ContainsKey(sym))
                    {
                        bySymbol.TryAdd(sym, dims[i]);
                    }
                }
            }
        }

        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var v in inputs)
        {
            var shape = v.Type?.Shape;
            if (given.TryGetValue(v.Name, out var dims))
            {
                if (shape is not null && shape.Length != dims.Length)
                {
                    throw new UsageException($"--shape {Display.Escape(v.Name)}: the model's input has rank {shape.Length} ({Display.Escape(v.Type!.ToString())}), but {dims.Length} dimensions were given");
                }
                for (int i = 0; shape is not null && i < dims.Length; i++)
                {
                    if (shape[i].IsKnown && shape[i].Value != dims[i])
                    {
                        throw new UsageException($"--shape {Display.Escape(v.Name)}: dimension {i} is fixed to {shape[i].Value} in the model, not {dims[i]}");
                    }
                }
                result[v.Name] = dims;
                continue;
            }
            if (shape is null)
            {
                if (requireStatic)
                {
                    missing.Add($"{Display.Quote(v.Name)} (rank unknown: --shape {Display.Escape(v.Name)}=d0,d1,...)");
                }
                continue;
            }
            var fixedDims = shape.Select(d => d.IsKnown ? d.Value : d.Symbol is not null && bySymbol.TryGetValue(d.Symbol, out var s) ? s : -1).ToArray();
            if (fixedDims.Any(d => d < 0))
            {
                if (requireStatic)
                {
                    var open = shape.Where(d => !d.IsKnown).Select(d => d.Symbol is null ? "?" : Display.Escape(d.Symbol)).Distinct();
                    missing.Add($"{Display.Quote(v.Name)} {Display.Escape(v.Type!.ToString())} (dimensions {string.Join(", ", open)})");
                }
                continue;
            }
            if (shape.Any(d => !d.IsKnown))
            {
                result[v.Name] = fixedDims;
            }
        }
        if (missing.Count > 0)
        {
            var example = inputs.First(v => missing[0].StartsWith(Display.Quote(v.Name), StringComparison.Ordinal));
            var exShape = example.Type?.Shape?.Select(d => d.IsKnown ? d.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "1") ?? ["1"];
            throw new UsageException($"input(s) with symbolic dimensions need a size: {string.Join("; ", missing)}; give --shape NAME=d0,d1,... per input " +
                $"(e.g. --shape {Display.Escape(example.Name)}={string.Join(",", exShape)}) or --shape SYMBOL=size for a symbolic dimension{(symbols.Count > 0 ? $" (e.g. --shape {Display.Escape(symbols.Order(StringComparer.Ordinal).First())}=1)" : "")}");
        }
        return result;
    }

    private static string Describe(IEnumerable<Value> inputs) =>
        string.Join(", ", inputs.Select(v => $"{Display.Quote(v.Name)} {Display.Escape(v.Type?.ToString() ?? "?")}"));
}
