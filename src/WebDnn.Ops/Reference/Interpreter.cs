using WebDnn.Core;

namespace WebDnn.Ops.Reference;

/// <summary>
/// Runs a graph node by node with the ops' reference evaluators. Used for constant folding, by
/// <c>webdnn verify --backends reference</c>, and as our side of the ONNX Runtime oracle tests.
/// Tensors are dropped after their last use to bound memory on large models.
/// </summary>
public static class Interpreter
{
    /// <summary>Runs <paramref name="g"/> on named inputs; returns outputs by graph-output name.</summary>
    public static Dictionary<string, Tensor> Run(Graph g, IReadOnlyDictionary<string, Tensor> inputs)
    {
        var env = new Dictionary<Value, Tensor>();
        foreach (var v in g.Inputs)
        {
            if (inputs.TryGetValue(v.Name, out var t))
            {
                env[v] = t;
            }
            else if (v.Const is null)
            {
                throw new UsageException($"missing input '{v.Name}'");
            }
        }
        var outs = Run(g, env);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < g.Outputs.Count; i++)
        {
            result[g.Outputs[i].Name] = outs[i];
        }
        return result;
    }

    /// <summary>Runs with values already bound (subgraphs bind their outer references and formal inputs).</summary>
    public static Tensor[] Run(Graph g, Dictionary<Value, Tensor> env)
    {
        // Last use of each value, so intermediate tensors can be released early.
        var lastUse = new Dictionary<Value, int>();
        for (int i = 0; i < g.Nodes.Count; i++)
        {
            foreach (var v in g.Nodes[i].Inputs.Concat(g.Nodes[i].ImplicitInputs))
            {
                if (v is not null)
                {
                    lastUse[v] = i;
                }
            }
        }
        var keep = new HashSet<Value>(g.Outputs);
        for (int i = 0; i < g.Nodes.Count; i++)
        {
            var node = g.Nodes[i];
            var op = OpRegistry.Find(node) ?? throw new UnsupportedModelException($"{node.Describe()}: operator {node.OpType} (opset {node.Opset}) is not supported");
            var ins = node.Inputs.Select(v => v is null ? null : Lookup(env, v, node)).ToArray();
            var ctx = new EvalContext(node, ins, (sub, formal) => RunSubgraph(sub, formal, env));
            op.Evaluate(ctx);
            for (int k = 0; k < node.Outputs.Count; k++)
            {
                var t = ctx.Outputs[k];
                if (t is not null)
                {
                    env[node.Outputs[k]] = t;
                }
            }
            foreach (var v in node.Inputs)
            {
                if (v is not null && v.Const is null && !keep.Contains(v) && lastUse.GetValueOrDefault(v) == i && !g.Inputs.Contains(v))
                {
                    env.Remove(v);
                }
            }
        }
        return g.Outputs.Select(v => Lookup(env, v, null)).ToArray();
    }

    private static Tensor[] RunSubgraph(Graph sub, Tensor?[] formal, Dictionary<Value, Tensor> outer)
    {
        var env = new Dictionary<Value, Tensor>();
        foreach (var (inner, outerValue) in sub.OuterRefs)
        {
            if (outer.TryGetValue(outerValue, out var t))
            {
                env[inner] = t;
            }
            else if (outerValue.Const is { } c)
            {
                env[inner] = c;
            }
        }
        for (int i = 0; i < sub.Inputs.Count && i < formal.Length; i++)
        {
            if (formal[i] is { } t)
            {
                env[sub.Inputs[i]] = t;
            }
        }
        return Run(sub, env);
    }

    private static Tensor Lookup(Dictionary<Value, Tensor> env, Value v, Node? user)
    {
        if (env.TryGetValue(v, out var t))
        {
            return t;
        }
        if (v.Const is { } c)
        {
            return c;
        }
        throw new InvalidModelException(user is null ? $"graph output '{v.Name}' is never computed" : $"{user.Describe()}: input '{v.Name}' is never computed");
    }
}
