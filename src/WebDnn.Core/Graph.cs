namespace WebDnn.Core;

/// <summary>
/// A computation graph in SSA form. <see cref="Nodes"/> is kept in topological order by the
/// mutation helpers (<see cref="TopoSort"/> restores it after bulk edits). Constants are values
/// with <see cref="Value.Const"/> set and no producer.
/// </summary>
public sealed class Graph
{
    private int _nextId;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public string Name { get; set; } = "graph";

    public List<Node> Nodes { get; } = [];

    public List<Value> Inputs { get; } = [];

    public List<Value> Outputs { get; } = [];

    /// <summary>Opset version per domain ("" is ai.onnx).</summary>
    public Dictionary<string, int> Opsets { get; } = new(StringComparer.Ordinal);

    /// <summary>For subgraphs (If/Loop/Scan bodies): inner value → the outer-scope value it refers to.</summary>
    public Dictionary<Value, Value> OuterRefs { get; } = [];

    /// <summary>Facts about where the graph came from (producer, IR version), for inspect.</summary>
    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    /// <summary>Returns a name not used before in this graph, based on <paramref name="hint"/>.</summary>
    public string UniqueName(string hint)
    {
        if (_names.Add(hint))
        {
            return hint;
        }
        string n;
        do
        {
            n = $"{hint}_{_nextId++}";
        }
        while (!_names.Add(n));
        return n;
    }

    /// <summary>Registers a name taken from the model file so later generated names avoid it.</summary>
    public void ReserveName(string name) => _names.Add(name);

    public Value NewValue(string hint, TensorType? type = null) => new(UniqueName(hint), type);

    public Value Constant(Tensor t, string hint = "const") => new(UniqueName(hint), t.Type, t);

    /// <summary>Creates a node, appends it, wires consumers. Outputs get fresh values.</summary>
    public Node AddNode(string opType, IEnumerable<Value?> inputs, int outputs = 1, string? name = null, string domain = "", params Attr[] attributes)
    {
        var node = new Node(opType, name ?? UniqueName(opType), domain);
        node.Opset = Opsets.TryGetValue(domain, out var v) ? v : 0;
        foreach (var i in inputs)
        {
            node.Inputs.Add(i);
            i?.Consumers.Add(node);
        }
        for (int k = 0; k < outputs; k++)
        {
            var o = NewValue($"{node.Name}_out{k}");
            o.Producer = node;
            node.Outputs.Add(o);
        }
        foreach (var a in attributes)
        {
            node.SetAttribute(a);
        }
        Nodes.Add(node);
        return node;
    }

    /// <summary>Appends an already built node whose outputs are the given values.</summary>
    public Node AddNode(Node node, IEnumerable<Value?> inputs, IEnumerable<Value> outputs)
    {
        foreach (var i in inputs)
        {
            node.Inputs.Add(i);
            i?.Consumers.Add(node);
        }
        foreach (var o in outputs)
        {
            o.Producer = node;
            node.Outputs.Add(o);
        }
        Nodes.Add(node);
        return node;
    }

    /// <summary>Replaces input slot <paramref name="index"/> of <paramref name="node"/>.</summary>
    public static void SetInput(Node node, int index, Value? value)
    {
        while (node.Inputs.Count <= index)
        {
            node.Inputs.Add(null);
        }
        var old = node.Inputs[index];
        old?.Consumers.Remove(node);
        node.Inputs[index] = value;
        value?.Consumers.Add(node);
    }

    /// <summary>Adds an implicit (outer-scope) input; used by nodes with subgraphs.</summary>
    public static void AddImplicitInput(Node node, Value value)
    {
        if (!node.ImplicitInputs.Contains(value))
        {
            node.ImplicitInputs.Add(value);
            value.Consumers.Add(node);
        }
    }

    /// <summary>Removes a node and unlinks it from its inputs. Its outputs must be unused or rewired first.</summary>
    public void RemoveNode(Node node)
    {
        Unlink(node);
        Nodes.Remove(node);
    }

    /// <summary>
    /// <see cref="RemoveNode"/> without touching <see cref="Nodes"/> (O(1) instead of O(n)): for passes that remove many
    /// nodes and rebuild the list once.
    /// </summary>
    public static void Unlink(Node node)
    {
        foreach (var i in node.Inputs)
        {
            i?.Consumers.Remove(node);
        }
        foreach (var i in node.ImplicitInputs)
        {
            i.Consumers.Remove(node);
        }
        foreach (var o in node.Outputs)
        {
            if (o.Producer == node)
            {
                o.Producer = null;
            }
        }
    }

    /// <summary>Redirects every use of <paramref name="old"/> (node inputs and graph outputs) to <paramref name="replacement"/>.</summary>
    public void ReplaceAllUses(Value old, Value replacement)
    {
        if (ReferenceEquals(old, replacement))
        {
            return;
        }
        foreach (var c in old.Consumers.ToArray())
        {
            for (int i = 0; i < c.Inputs.Count; i++)
            {
                if (ReferenceEquals(c.Inputs[i], old))
                {
                    c.Inputs[i] = replacement;
                    replacement.Consumers.Add(c);
                }
            }
            for (int i = 0; i < c.ImplicitInputs.Count; i++)
            {
                if (ReferenceEquals(c.ImplicitInputs[i], old))
                {
                    c.ImplicitInputs[i] = replacement;
                    replacement.Consumers.Add(c);
                }
            }
        }
        old.Consumers.Clear();
        for (int i = 0; i < Outputs.Count; i++)
        {
            if (ReferenceEquals(Outputs[i], old))
            {
                // Keep the graph output's public name: the replacement takes it over when it is internal.
                if (!Inputs.Contains(replacement) && !Outputs.Contains(replacement) && !replacement.IsConstant)
                {
                    replacement.Name = old.Name;
                }
                Outputs[i] = replacement;
            }
        }
    }

    /// <summary>Values read by nothing and not a graph output.</summary>
    public bool IsUnused(Value v) => v.Consumers.Count == 0 && !Outputs.Contains(v);

    /// <summary>Re-establishes topological order (stable: keeps the existing order where legal).</summary>
    /// <remarks>Depth-first with an explicit stack: a model lists its nodes in any order, so recursion would let it choose the depth.</remarks>
    public void TopoSort()
    {
        var placed = new HashSet<Node>();
        var result = new List<Node>(Nodes.Count);
        var set = new HashSet<Node>(Nodes);
        var visiting = new HashSet<Node>();
        var stack = new Stack<(Node Node, int Next)>();
        foreach (var start in Nodes)
        {
            if (placed.Contains(start))
            {
                continue;
            }
            visiting.Add(start);
            stack.Push((start, 0));
            while (stack.Count > 0)
            {
                var (n, next) = stack.Pop();
                int count = n.Inputs.Count + n.ImplicitInputs.Count;
                Node? dep = null;
                while (next < count && dep is null)
                {
                    var i = next < n.Inputs.Count ? n.Inputs[next] : n.ImplicitInputs[next - n.Inputs.Count];
                    next++;
                    if (i?.Producer is { } p && set.Contains(p) && !placed.Contains(p))
                    {
                        dep = p;
                    }
                }
                if (dep is null)
                {
                    visiting.Remove(n);
                    placed.Add(n);
                    result.Add(n);
                    continue;
                }
                if (!visiting.Add(dep))
                {
                    throw new InvalidModelException($"the graph has a cycle through {dep.Describe()}");
                }
                stack.Push((n, next));
                stack.Push((dep, 0));
            }
        }
        Nodes.Clear();
        Nodes.AddRange(result);
    }

    /// <summary>Every value reachable from the graph: inputs, node inputs/outputs, outputs.</summary>
    public IEnumerable<Value> AllValues()
    {
        var seen = new HashSet<Value>();
        foreach (var v in Inputs.Concat(Nodes.SelectMany(n => n.Inputs.Concat(n.ImplicitInputs).Concat(n.Outputs))).Concat(Outputs))
        {
            if (v is not null && seen.Add(v))
            {
                yield return v;
            }
        }
    }

    /// <summary>Histogram of op types, most frequent first.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> OpHistogram() =>
        Nodes.GroupBy(n => n.Domain.Length == 0 ? n.OpType : $"{n.Domain}.{n.OpType}")
             .Select(g => new KeyValuePair<string, int>(g.Key, g.Count()))
             .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
}
