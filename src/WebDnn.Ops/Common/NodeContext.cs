using WebDnn.Core;

namespace WebDnn.Ops;

/// <summary>Attr access and error helpers shared by inference, evaluation and lowering.</summary>
public abstract class NodeContext
{
    protected NodeContext(Node node) => Node = node;

    public Node Node { get; }

    public int Opset => Node.Opset;

    /// <summary>Number of input slots up to the last present one.</summary>
    public int InputCount
    {
        get
        {
            int n = Node.Inputs.Count;
            while (n > 0 && Node.Inputs[n - 1] is null)
            {
                n--;
            }
            return n;
        }
    }

    public int OutputCount => Node.Outputs.Count;

    public bool HasInput(int i) => i < Node.Inputs.Count && Node.Inputs[i] is not null;

    public bool HasAttr(string name) => Node.Attributes.ContainsKey(name);

    public long Int(string name, long fallback) => Node.Attributes.TryGetValue(name, out var a) ? ExpectKind(a, AttributeKind.Int).I : fallback;

    public long Int(string name) => Required(name, AttributeKind.Int).I;

    public float Float(string name, float fallback) => Node.Attributes.TryGetValue(name, out var a) ? ExpectKind(a, AttributeKind.Float).F : fallback;

    public string Str(string name, string fallback) => Node.Attributes.TryGetValue(name, out var a) ? ExpectKind(a, AttributeKind.String).S : fallback;

    public long[]? Ints(string name) => Node.Attributes.TryGetValue(name, out var a) ? ExpectKind(a, AttributeKind.Ints).Ints : null;

    public float[]? Floats(string name) => Node.Attributes.TryGetValue(name, out var a) ? ExpectKind(a, AttributeKind.Floats).Floats : null;

    public string[]? Strs(string name) => Node.Attributes.TryGetValue(name, out var a) ? ExpectKind(a, AttributeKind.Strings).Strings : null;

    public Tensor? TensorAttr(string name) => Node.Attributes.TryGetValue(name, out var a) ? ExpectKind(a, AttributeKind.Tensor).T : null;

    public Core.Kernels.Expr? ExprAttr(string name) => Node.Attributes.TryGetValue(name, out var a) ? ExpectKind(a, AttributeKind.Expr).E : null;

    public Graph? GraphAttr(string name) => Node.Attributes.TryGetValue(name, out var a) ? ExpectKind(a, AttributeKind.Graph).G : null;

    /// <summary>An <see cref="InvalidModelException"/> that names this node.</summary>
    public InvalidModelException Error(string message) => new($"{Node.Describe()}: {message}");

    /// <summary>Normalizes a possibly negative axis against <paramref name="rank"/>; throws a model error when out of range.</summary>
    public int Axis(long axis, int rank)
    {
        if (axis < -rank || axis >= Math.Max(rank, 1) && !(rank == 0 && axis == 0))
        {
            throw Error($"axis {axis} is out of range for rank {rank}");
        }
        return (int)(axis < 0 ? axis + rank : axis);
    }

    private Attr Required(string name, AttributeKind kind) =>
        Node.Attributes.TryGetValue(name, out var a) ? ExpectKind(a, kind) : throw Error($"required attribute {Display.Quote(name)} is missing");

    private Attr ExpectKind(Attr a, AttributeKind kind)
    {
        if (a.Kind == kind)
        {
            return a;
        }
        // Some exporters write a single int where a list is expected and vice versa; accept the obvious conversions.
        return (a.Kind, kind) switch
        {
            (AttributeKind.Int, AttributeKind.Ints) => a with { Kind = kind, Ints = [a.I] },
            (AttributeKind.Float, AttributeKind.Floats) => a with { Kind = kind, Floats = [a.F] },
            (AttributeKind.Int, AttributeKind.Float) => a with { Kind = kind, F = a.I },
            _ => throw Error($"attribute {Display.Quote(a.Name)} should be {kind} but is {a.Kind}"),
        };
    }
}
