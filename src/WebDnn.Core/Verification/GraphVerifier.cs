namespace WebDnn.Core.Verification;

/// <summary>
/// Checks the invariants every pass must keep (tinygrad's uop/spec.py, run between passes in tests and with
/// <c>--verify</c>): SSA (each value produced once, by the node that says so), producer/consumer links that agree in
/// both directions (one consumer entry per input slot), topological order, every node input defined before use
/// (graph input, constant, outer-scope reference or an earlier node's output), types on every used value, and
/// graph outputs that are computed. Subgraphs are checked the same way with the outer scope visible.
/// Throws <see cref="InvalidOperationException"/> naming the node and value at the first violation.
/// </summary>
public static class GraphVerifier
{
    /// <summary>Verifies <paramref name="g"/>. With <paramref name="requireTypes"/>, used values must have a type.</summary>
    public static void Verify(Graph g, bool requireTypes = true) => Verify(g, requireTypes, outer: null, where: "graph");

    private static void Verify(Graph g, bool requireTypes, HashSet<Value>? outer, string where)
    {
        var inGraph = new HashSet<Node>();
        foreach (var n in g.Nodes)
        {
            if (!inGraph.Add(n))
            {
                throw Fail(where, $"{n.Describe()} appears twice in the node list");
            }
        }

        var defined = new HashSet<Value>();
        var producedBy = new Dictionary<Value, Node>();
        foreach (var v in g.Inputs)
        {
            if (v.Producer is not null)
            {
                throw Fail(where, $"graph input '{v.Name}' claims to be produced by {v.Producer.Describe()}");
            }
            if (!defined.Add(v))
            {
                throw Fail(where, $"graph input '{v.Name}' is listed twice");
            }
            RequireType(v, requireTypes, where, "graph input");
        }
        foreach (var v in g.OuterRefs.Keys)
        {
            defined.Add(v);
        }

        bool IsDefined(Value v) => defined.Contains(v) || (v.IsConstant && v.Producer is null) || (outer?.Contains(v) ?? false);

        foreach (var n in g.Nodes)
        {
            for (int i = 0; i < n.Inputs.Count; i++)
            {
                if (n.Inputs[i] is not { } v)
                {
                    continue;
                }
                if (!IsDefined(v))
                {
                    throw Fail(where, v.Producer is { } p && inGraph.Contains(p)
                        ? $"{n.Describe()} input {i} '{v.Name}' is used before its producer {p.Describe()} (nodes are not in topological order)"
                        : $"{n.Describe()} input {i} '{v.Name}' is not defined (no graph input, constant or node produces it)");
                }
                CheckConsumerCount(v, n, where);
                RequireType(v, requireTypes, where, $"input {i} of {n.Describe()}");
            }
            foreach (var v in n.ImplicitInputs)
            {
                if (!IsDefined(v))
                {
                    throw Fail(where, $"{n.Describe()} reads outer-scope value '{v.Name}', which is not defined before it");
                }
                CheckConsumerCount(v, n, where);
            }
            foreach (var o in n.Outputs)
            {
                if (!ReferenceEquals(o.Producer, n))
                {
                    throw Fail(where, $"{n.Describe()} lists output '{o.Name}', whose producer is {o.Producer?.Describe() ?? "nothing"}");
                }
                if (o.IsConstant)
                {
                    throw Fail(where, $"{n.Describe()} output '{o.Name}' is also a constant");
                }
                if (producedBy.TryGetValue(o, out var first))
                {
                    throw Fail(where, $"value '{o.Name}' is produced twice, by {first.Describe()} and {n.Describe()} (not SSA)");
                }
                if (defined.Contains(o))
                {
                    throw Fail(where, $"{n.Describe()} produces '{o.Name}', which is a graph input");
                }
                producedBy[o] = n;
                defined.Add(o);
                foreach (var c in o.Consumers)
                {
                    if (!inGraph.Contains(c))
                    {
                        throw Fail(where, $"value '{o.Name}' lists consumer {c.Describe()}, which is not in the graph");
                    }
                    if (!c.Inputs.Contains(o) && !c.ImplicitInputs.Contains(o))
                    {
                        throw Fail(where, $"value '{o.Name}' lists consumer {c.Describe()}, which does not read it");
                    }
                }
                if (o.Consumers.Count > 0 || g.Outputs.Contains(o))
                {
                    RequireType(o, requireTypes, where, $"output of {n.Describe()}");
                }
            }
            foreach (var a in n.Attributes.Values)
            {
                foreach (var sub in a.G is null ? a.Graphs : [a.G, .. a.Graphs])
                {
                    var visible = new HashSet<Value>(defined);
                    if (outer is not null)
                    {
                        visible.UnionWith(outer);
                    }
                    // Subgraph bodies are typed by their op at run time; only structure is checked here.
                    Verify(sub, requireTypes: false, visible, $"subgraph '{sub.Name}' of {n.Describe()}");
                }
            }
        }

        var names = new Dictionary<string, Value>(StringComparer.Ordinal);
        for (int i = 0; i < g.Outputs.Count; i++)
        {
            var v = g.Outputs[i];
            if (!IsDefined(v))
            {
                throw Fail(where, $"graph output {i} '{v.Name}' is not computed by any node, input or constant");
            }
            if (names.TryGetValue(v.Name, out var other) && !ReferenceEquals(other, v))
            {
                throw Fail(where, $"two graph outputs are named '{v.Name}'");
            }
            names[v.Name] = v;
            RequireType(v, requireTypes, where, "graph output");
        }
    }

    private static void CheckConsumerCount(Value v, Node n, string where)
    {
        int slots = n.Inputs.Count(x => ReferenceEquals(x, v)) + n.ImplicitInputs.Count(x => ReferenceEquals(x, v));
        int listed = v.Consumers.Count(c => ReferenceEquals(c, n));
        if (slots != listed)
        {
            throw Fail(where, $"{n.Describe()} reads '{v.Name}' in {slots} slot(s), but the value lists it as consumer {listed} time(s)");
        }
    }

    private static void RequireType(Value v, bool requireTypes, string where, string what)
    {
        if (requireTypes && v.Type is null)
        {
            throw Fail(where, $"{what} '{v.Name}' has no type (run shape inference after creating values)");
        }
    }

    private static InvalidOperationException Fail(string where, string message) => new($"graph verification failed in {where}: {message}");
}
