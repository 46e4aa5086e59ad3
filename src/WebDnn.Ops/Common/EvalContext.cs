using WebDnn.Core;

namespace WebDnn.Ops;

/// <summary>Reference evaluation of one node on concrete tensors.</summary>
public sealed class EvalContext : NodeContext
{
    private readonly Tensor?[] _inputs;

    public EvalContext(Node node, Tensor?[] inputs, Func<Graph, Tensor?[], Tensor[]>? runSubgraph = null) : base(node)
    {
        _inputs = inputs;
        Outputs = new Tensor?[node.Outputs.Count];
        RunSubgraph = runSubgraph;
    }

    public Tensor?[] Outputs { get; }

    /// <summary>Runs a subgraph (If/Loop/Scan bodies) with the given formal inputs; outer-scope values are bound by the caller.</summary>
    public Func<Graph, Tensor?[], Tensor[]>? RunSubgraph { get; }

    /// <summary>Input <paramref name="i"/>; throws when absent.</summary>
    public Tensor Input(int i) => (i < _inputs.Length ? _inputs[i] : null) ?? throw Error($"input {i} is required but missing");

    public Tensor? OptionalInput(int i) => i < _inputs.Length ? _inputs[i] : null;

    public int InputsGiven => _inputs.Length;

    public void SetOutput(int i, Tensor t)
    {
        if (i < Outputs.Length)
        {
            Outputs[i] = t;
        }
    }
}
