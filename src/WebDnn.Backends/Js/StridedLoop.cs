namespace WebDnn.Backends.Js;

/// <summary>
/// Emits nested loops over a shape that walk several operands with per-dimension element strides (0 = broadcast).
/// Adjacent dimensions that are contiguous for every operand are merged, and size-1 dimensions dropped, so the
/// common cases become one flat loop. Offsets of outer levels are hoisted into consts.
/// </summary>
internal static class StridedLoop
{
    /// <param name="c">Code to write into.</param>
    /// <param name="shape">Iteration space.</param>
    /// <param name="strides">Per operand, its stride for each dimension of <paramref name="shape"/>.</param>
    /// <param name="bases">Per operand, a JS expression of its offset at index 0.</param>
    /// <param name="prefix">Prefix of the loop variables (unique when loops nest).</param>
    /// <param name="body">Writes the innermost body given each operand's index expression.</param>
    public static void Emit(JsCode c, IReadOnlyList<int> shape, IReadOnlyList<long[]> strides, IReadOnlyList<string> bases, string prefix, Action<string[]> body)
    {
        if (shape.Any(d => d == 0))
        {
            return;
        }
        int ops = strides.Count;
        var dims = new List<(long N, long[] S)>();
        for (int d = 0; d < shape.Count; d++)
        {
            if (shape[d] == 1)
            {
                continue;
            }
            var s = strides.Select(st => st[d]).ToArray();
            if (dims.Count > 0 && Enumerable.Range(0, ops).All(j => dims[^1].S[j] == s[j] * shape[d]))
            {
                dims[^1] = (dims[^1].N * shape[d], s);
            }
            else
            {
                dims.Add((shape[d], s));
            }
        }
        var cur = bases.ToArray();
        for (int l = 0; l < dims.Count; l++)
        {
            string i = $"{prefix}{l}";
            c.For(i, dims[l].N);
            for (int j = 0; j < ops; j++)
            {
                string e = JsCode.Axpy(cur[j], i, dims[l].S[j]);
                if (l < dims.Count - 1 && e != cur[j])
                {
                    string name = $"{prefix}{l}_{j}";
                    c.Line($"const {name} = {e};");
                    e = name;
                }
                cur[j] = e;
            }
        }
        body(cur);
        for (int l = 0; l < dims.Count; l++)
        {
            c.Close();
        }
    }
}
