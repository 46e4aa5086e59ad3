using WebDnn.Core;

namespace WebDnn.Passes;

/// <summary>
/// Removes nodes whose output equals their input: Identity; Dropout in inference (when its mask is unused and
/// training_mode is absent or constant false); Cast to the input's type; Transpose by the identity permutation;
/// Reshape, Flatten, Squeeze, Unsqueeze and Expand whose output type equals the (static) input type; Concat of one
/// input; Add/Sub of constant zeros and Mul/Div/Pow by constant ones when that does not change the type.
/// Users then read the input directly; a graph output keeps its public name (see <see cref="GraphRewrite.Bypass"/>).
/// </summary>
/// <remarks>Must run after InferShapes (it compares input and output types).</remarks>
public sealed class RemoveIdentities : IGraphPass
{
    public string Name => "remove-identities";

    public void Run(Graph g, PassContext ctx)
    {
        var edits = new NodeEdits(g);
        foreach (var n in edits.Original)
        {
            if (n.Outputs.Count == 0 || IdentityInput(g, n) is not { } input)
            {
                continue;
            }
            GraphRewrite.Bypass(g, edits, n, input, n.Outputs[0]);
        }
        edits.Commit();
    }

    /// <summary>The input that <paramref name="n"/>'s first output equals, or null.</summary>
    private static Value? IdentityInput(Graph g, Node n)
    {
        var x = n.Input(0);
        var y = n.Outputs[0];
        if (x is null)
        {
            return null;
        }
        bool sameType = x.Type is { IsStatic: true } && x.Type.Equals(y.Type);
        switch (n.Domain.Length == 0 ? n.OpType : "")
        {
            case "Identity":
                return x;
            case "Dropout":
                // Inference: y = x. training_mode (opset 12+) must be absent or constant false; the mask must be unused.
                bool training = n.Input(2) is { } tm && (tm.Const is null || tm.Const.GetDouble(0) != 0);
                bool maskUsed = n.Outputs.Count > 1 && !g.IsUnused(n.Outputs[1]);
                return training || maskUsed ? null : x;
            case "Cast":
                return x.Type is { } xt && y.Type is { } yt && xt.DataType == yt.DataType ? x : null;
            case "Transpose":
                if (x.Type?.Rank is not (>= 0 and var rank))
                {
                    return null;
                }
                var perm = n.Attributes.TryGetValue("perm", out var p) ? p.Ints : Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
                return perm.Length == rank && perm.Select((v, i) => v == i).All(b => b) ? x : null;
            case "Reshape" or "Flatten" or "Squeeze" or "Unsqueeze" or "Expand":
                return sameType ? x : null;
            case "Concat":
                return n.Inputs.Count(v => v is not null) == 1 && sameType ? x : null;
            case "Add":
                return sameType && GraphRewrite.IsConstAll(n.Input(1), 0) ? x
                    : n.Input(1) is { } b && b.Type is { IsStatic: true } && b.Type.Equals(y.Type) && GraphRewrite.IsConstAll(x, 0) ? b : null;
            case "Sub":
                return sameType && GraphRewrite.IsConstAll(n.Input(1), 0) ? x : null;
            case "Mul":
                return sameType && GraphRewrite.IsConstAll(n.Input(1), 1) ? x
                    : n.Input(1) is { } m && m.Type is { IsStatic: true } && m.Type.Equals(y.Type) && GraphRewrite.IsConstAll(x, 1) ? m : null;
            case "Div" or "Pow":
                return sameType && GraphRewrite.IsConstAll(n.Input(1), 1) ? x : null;
            default:
                return null;
        }
    }
}
