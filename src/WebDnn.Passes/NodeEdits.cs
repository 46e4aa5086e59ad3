using WebDnn.Core;

namespace WebDnn.Passes;

/// <summary>
/// Batched edits of <see cref="Graph.Nodes"/> for passes that rewrite many places: membership, position, removal and
/// insertion are O(1) each and <see cref="Commit"/> rebuilds the list once. (List.Contains/IndexOf/Remove/Insert per
/// rewrite made the passes quadratic: a 100k-node chain took minutes.) Until Commit, <see cref="Graph.Nodes"/> still
/// lists removed nodes and lacks inserted ones, so a pass using this reads membership and order from here only.
/// </summary>
internal sealed class NodeEdits
{
    private readonly Graph _g;
    private readonly Node[] _original;
    private readonly Dictionary<Node, int> _slot = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<Node> _removed = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<int, List<Node>> _inserted = [];

    public NodeEdits(Graph g)
    {
        _g = g;
        _original = [.. g.Nodes];
        for (int i = 0; i < _original.Length; i++)
        {
            _slot[_original[i]] = i;
        }
    }

    /// <summary>The nodes as they were when the edits began (iterate this, checking <see cref="Contains"/>).</summary>
    public IReadOnlyList<Node> Original => _original;

    public bool Contains(Node n) => _slot.ContainsKey(n) && !_removed.Contains(n);

    /// <summary>Order key: a node's index in <see cref="Original"/>; an inserted node takes the slot it was put at.</summary>
    public int Position(Node n) => _slot[n];

    /// <summary>Unlinks <paramref name="n"/> from its inputs (outputs must be unused or rewired) and drops it at commit.</summary>
    public void Remove(Node n)
    {
        Graph.Unlink(n);
        _removed.Add(n);
    }

    /// <summary>Links <paramref name="n"/> (a node not yet in the graph) and places it just before slot <paramref name="slot"/>'s node.</summary>
    public Node Insert(int slot, Node n, IEnumerable<Value?> inputs, IEnumerable<Value> outputs)
    {
        _g.AddNode(n, inputs, outputs);
        _g.Nodes.RemoveAt(_g.Nodes.Count - 1);
        _slot[n] = slot;
        if (!_inserted.TryGetValue(slot, out var list))
        {
            _inserted[slot] = list = [];
        }
        list.Add(n);
        return n;
    }

    /// <summary>
    /// Removes the <paramref name="region"/> nodes and inserts <paramref name="replacement"/> (a node not yet in the graph)
    /// where the last of them stood, reading <paramref name="inputs"/> and producing <paramref name="outputs"/> (values the
    /// region produced, so names, types and consumers stay). Valid when every input is defined before that position.
    /// </summary>
    public Node ReplaceRegion(IReadOnlyCollection<Node> region, Node replacement, IEnumerable<Value?> inputs, IEnumerable<Value> outputs)
    {
        int last = region.Max(Position);
        replacement.FusedFrom.AddRange(region.SelectMany(n => n.FusedFrom.Count > 0 ? n.FusedFrom : [n.Name]).Except(replacement.FusedFrom));
        foreach (var n in region)
        {
            Remove(n);
        }
        return Insert(last, replacement, inputs, outputs);
    }

    /// <summary>Writes the edited order back to <see cref="Graph.Nodes"/>.</summary>
    public void Commit()
    {
        var result = new List<Node>(_original.Length + _inserted.Count);
        for (int i = 0; i < _original.Length; i++)
        {
            if (_inserted.TryGetValue(i, out var list))
            {
                result.AddRange(list.Where(n => !_removed.Contains(n)));
            }
            if (!_removed.Contains(_original[i]))
            {
                result.Add(_original[i]);
            }
        }
        _g.Nodes.Clear();
        _g.Nodes.AddRange(result);
    }
}
