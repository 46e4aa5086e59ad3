using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Ops;

/// <summary>
/// Lowering of one node to primitive kernels. Buffers of inputs are already bound; output buffers are created
/// on first request (or bound as aliases). Element types: lowering works in f32, i32 and bool only; use
/// <see cref="KernelType"/> to map an ONNX type.
/// </summary>
public sealed class LowerContext : NodeContext
{
    private readonly Func<Value, KernelBuffer> _bufferOf;
    private readonly Action<Value, KernelBuffer> _bind;

    private readonly IReadOnlySet<Value> _graphOutputs;

    public LowerContext(Node node, KernelProgram program, Func<Value, KernelBuffer> bufferOf, Action<Value, KernelBuffer> bind, IReadOnlySet<Value>? graphOutputs = null) : base(node)
    {
        Program = program;
        _bufferOf = bufferOf;
        _bind = bind;
        _graphOutputs = graphOutputs ?? new HashSet<Value>();
    }

    /// <summary>True when output <paramref name="i"/> is read by a node or is a graph output.</summary>
    public bool OutputUsed(int i) => i < Node.Outputs.Count && (Node.Outputs[i].Consumers.Count > 0 || _graphOutputs.Contains(Node.Outputs[i]));

    public KernelProgram Program { get; }

    /// <summary>Set by <see cref="Unsupported"/> when the node cannot be lowered.</summary>
    public string? UnsupportedReason { get; private set; }

    /// <summary>Lowered element type for an ONNX type: floats → f32, integers → i32, bool → bool.</summary>
    public static DataType KernelType(DataType t) => t == DataType.Bool ? DataType.Bool : t.IsFloat() ? DataType.Float32 : DataType.Int32;

    public TensorType InputType(int i) => Node.Input(i)?.Type ?? throw Error($"input {i} is missing");

    public int[] InputShape(int i) => InputType(i).StaticShape();

    public TensorType OutputType(int i) => Node.Outputs[i].Type ?? throw Error($"output {i} has no type");

    public int[] OutputShape(int i) => OutputType(i).StaticShape();

    public Tensor? ConstInput(int i) => Node.Input(i)?.Const;

    public KernelBuffer Input(int i) => _bufferOf(Node.Input(i) ?? throw Error($"input {i} is missing"));

    /// <summary>The output buffer (created with the output's static shape and lowered type).</summary>
    public KernelBuffer Output(int i) => _bufferOf(Node.Outputs[i]);

    /// <summary>Makes output <paramref name="i"/> a view of <paramref name="source"/> with the output's shape (Reshape, Squeeze…).</summary>
    public void Alias(int i, KernelBuffer source)
    {
        var v = Node.Outputs[i];
        var b = Program.NewBuffer(source.DataType, OutputShape(i), BufferKind.Activation);
        b.AliasOf = source;
        _bind(v, b);
    }

    /// <summary>A scratch buffer for multi-kernel lowerings.</summary>
    public KernelBuffer Temp(DataType dt, int[] shape) => Program.NewBuffer(dt, shape, BufferKind.Activation);

    public void Emit(Kernel k) => Program.Kernels.Add(k with { Origin = Node.Name });

    public void Unsupported(string reason) => UnsupportedReason = reason;
}
