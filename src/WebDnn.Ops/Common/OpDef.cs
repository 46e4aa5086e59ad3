namespace WebDnn.Ops;

/// <summary>How an op behaves for fusion (TVM's OpPatternKind).</summary>
public enum FusionKind
{
    ElementWise,
    Broadcast,
    Injective,
    Reduce,
    OutputFusable,
    Opaque,
}

/// <summary>
/// One ONNX operator, written once: attributes, shape/type inference, a reference evaluator (used for constant
/// folding and as a test oracle) and a lowering to primitive kernels. Subclasses live one per file in
/// WebDnn.Ops/&lt;Category&gt;/&lt;OpType&gt;.cs and are found by <see cref="OpRegistry"/>.
/// An op handles every opset version from <see cref="SinceVersion"/> up to 23, branching on <c>ctx.Opset</c> where
/// the semantics changed.
/// </summary>
public abstract class OpDef
{
    public abstract string OpType { get; }

    /// <summary>"" for ai.onnx; "com.microsoft" or "com.webdnn" for others.</summary>
    public virtual string Domain => "";

    /// <summary>The earliest opset version whose semantics this class implements.</summary>
    public virtual int SinceVersion => 1;

    public virtual FusionKind Fusion => FusionKind.Opaque;

    /// <summary>False for ops whose result must not be constant-folded (random generators).</summary>
    public virtual bool IsDeterministic => true;

    /// <summary>Sets every output's <see cref="Core.TensorType"/> from input types (and constant inputs where needed).</summary>
    public abstract void InferTypes(InferContext ctx);

    /// <summary>Computes outputs from concrete inputs.</summary>
    public abstract void Evaluate(EvalContext ctx);

    /// <summary>
    /// Emits primitive kernels for this node. Return false (after <c>ctx.Unsupported(reason)</c>) when this
    /// instance cannot be lowered; the default says the op has no lowering yet.
    /// </summary>
    public virtual bool Lower(LowerContext ctx)
    {
        ctx.Unsupported($"{OpType} has no lowering to primitive kernels yet");
        return false;
    }
}
