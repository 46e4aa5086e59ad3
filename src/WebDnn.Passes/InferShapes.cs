using WebDnn.Core;
using WebDnn.Ops;

namespace WebDnn.Passes;

/// <summary>
/// Shape and type inference: applies --shape overrides to graph inputs, then runs every node's
/// <see cref="OpDef.InferTypes"/> in topological order. Inconsistent shapes end in an <see cref="InvalidModelException"/>
/// naming the node. Subgraph bodies are left to their op.
/// </summary>
/// <remarks>Must run first, and again after any pass that creates values without types.</remarks>
public sealed class InferShapes : IGraphPass
{
    public string Name => "infer-shapes";

    public void Run(Graph g, PassContext ctx)
    {
        var limits = Limits.Default;
        foreach (var input in g.Inputs)
        {
            if (ctx.InputShapes.TryGetValue(input.Name, out var dims))
            {
                var old = input.Type ?? throw new InvalidModelException($"input {Display.Quote(input.Name)} has no type");
                if (old.Shape is not null && old.Shape.Length != dims.Length)
                {
                    throw new UsageException($"--shape {input.Name}: the model's input has rank {old.Shape.Length}, but {dims.Length} dimensions were given");
                }
                for (int i = 0; old.Shape is not null && i < dims.Length; i++)
                {
                    if (old.Shape[i].IsKnown && old.Shape[i].Value != dims[i])
                    {
                        throw new UsageException($"--shape {input.Name}: dimension {i} is fixed to {old.Shape[i].Value} in the model, not {dims[i]}");
                    }
                }
                input.Type = TensorType.Of(old.DataType, dims);
            }
        }
        foreach (var node in g.Nodes)
        {
            var op = OpRegistry.Find(node) ?? throw new UnsupportedModelException($"{node.Describe()}: operator {node.OpType} (opset {node.Opset}) is not supported");
            try
            {
                op.InferTypes(new InferContext(node));
            }
            catch (OverflowException e)
            {
                // A checked conversion of an attribute or dimension that does not fit (2^40 where an int is needed).
                throw new InvalidModelException($"{node.Describe()}: an attribute or dimension is out of range ({e.Message})", e);
            }
            foreach (var o in node.Outputs)
            {
                if (o.Type is null && o.Consumers.Count > 0)
                {
                    throw new InvalidModelException($"{node.Describe()}: could not infer the type of output {Display.Quote(o.Name)}");
                }
                // One activation larger than the whole arena can never be planned: refused here, before lowering allocates.
                if (o.Type is { IsStatic: true } t && !o.IsConstant && t.ElementCount * Math.Max(1, t.DataType.ByteSize()) > limits.MaxArenaBytes)
                {
                    throw Limits.Exceeded(nameof(Limits.MaxArenaBytes), limits.MaxArenaBytes,
                        $"{node.Describe()}: output {Display.Quote(o.Name)} {t} needs {t.ElementCount * Math.Max(1, t.DataType.ByteSize()):N0} bytes");
                }
            }
        }
        // Values no node typed (graph inputs, typed outputs from value_info): a dimension past the element limit cannot be
        // lowered; refused here so the message names the value (a consumer's own check fires first when there is one).
        foreach (var v in g.Inputs.Concat(g.Outputs))
        {
            if (v.Type?.Shape is { } shape && Array.FindIndex(shape, d => d.IsKnown && d.Value > limits.MaxTensorElements) is >= 0 and int axis)
            {
                throw Limits.Exceeded(nameof(Limits.MaxTensorElements), limits.MaxTensorElements, $"graph input or output {Display.Quote(v.Name)} {v.Type} has dimension {shape[axis].Value}");
            }
        }
    }
}
