using WebDnn.Core;

namespace WebDnn.Passes;

/// <summary>
/// Deletes nodes none of whose outputs is read by another node or is a graph output. Walks backwards, so a whole
/// dead chain goes in one run. Graph inputs stay (they are the model's signature) even when unused; constants that
/// nothing reads simply disappear with their last reader.
/// </summary>
/// <remarks>No precondition; run it last and after any pass that bypasses or folds nodes.</remarks>
public sealed class RemoveDeadNodes : IGraphPass
{
    public string Name => "remove-dead-nodes";

    public void Run(Graph g, PassContext ctx)
    {
        // Backwards, so a dead chain goes in one sweep; the list is rebuilt once (removing one by one is quadratic).
        var dead = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        for (int i = g.Nodes.Count - 1; i >= 0; i--)
        {
            var n = g.Nodes[i];
            if (n.Outputs.TrueForAll(g.IsUnused))
            {
                Graph.Unlink(n);
                dead.Add(n);
            }
        }
        g.Nodes.RemoveAll(dead.Contains);
    }
}
