namespace WebDnn.Core;

/// <summary>
/// Size limits for untrusted models, as data. Each is checked before the memory or time it guards is spent, and a model
/// over one is refused with exit code 3 and a message naming the limit (<see cref="Exceeded"/>). The defaults are far
/// above real models (the largest known ONNX exports have ~100k nodes) and below what would exhaust a developer machine.
/// docs/compiler.md lists them.
/// </summary>
public sealed record Limits
{
    /// <summary>The limits the CLI uses.</summary>
    public static Limits Default { get; } = new();

    /// <summary>Nodes in one graph (subgraphs count separately), after inlining model-local functions.</summary>
    public int MaxNodes { get; init; } = 1_000_000;

    /// <summary>Inputs (and, separately, outputs) of one node: variadic ops (Sum, Concat, Max) rarely need more than a few hundred.</summary>
    public int MaxInputsPerNode { get; init; } = 4096;

    /// <summary>Depth of nested model-local function calls (a function calling a function …); recursion is refused at any depth.</summary>
    public int MaxFunctionDepth { get; init; } = 32;

    /// <summary>Bytes a gzip-compressed model may decompress to (protobuf itself caps a message at 2 GiB).</summary>
    public long MaxDecompressedBytes { get; init; } = 2_000_000_000;

    /// <summary>Elements of one tensor (initializer, constant or activation).</summary>
    public long MaxTensorElements { get; init; } = Tensor.MaxElements;

    /// <summary>Bytes of the activation arena after memory planning (browsers cap one buffer or wasm memory at 2–4 GiB).</summary>
    public long MaxArenaBytes { get; init; } = 2L << 30;

    /// <summary>The error for a model over limit <paramref name="name"/> (the property name, so messages and docs agree).</summary>
    public static InvalidModelException Exceeded(string name, long limit, string what) =>
        new($"{what}: over the limit {name} = {limit:N0}; refusing (this guards against hostile models, see docs/compiler.md \"Limits\")");
}
