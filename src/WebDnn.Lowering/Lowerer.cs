using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Ops;

namespace WebDnn.Lowering;

/// <summary>
/// Graph → <see cref="KernelProgram"/>: binds graph inputs, weights and outputs to buffers and asks each node's
/// <see cref="OpDef.Lower"/> for primitive kernels. Requires static shapes (run shape inference and constant
/// folding first). Every node that cannot be lowered is reported in one <see cref="UnsupportedModelException"/>.
/// </summary>
public static class Lowerer
{
    public static KernelProgram Lower(Graph g)
    {
        var program = new KernelProgram();
        var map = new Dictionary<Value, KernelBuffer>();

        KernelBuffer Create(Value v, BufferKind kind)
        {
            var type = v.Type ?? throw new InvalidModelException($"value '{v.Name}' has no inferred type");
            if (!type.IsStatic)
            {
                throw new UnsupportedModelException($"value '{v.Name}' has dynamic shape {type}; give static input shapes with --shape NAME=d0,d1,...");
            }
            var b = program.NewBuffer(LowerContext.KernelType(type.DataType), type.StaticShape(), kind);
            if (v.Const is { } c)
            {
                b.Kind = BufferKind.Weight;
                b.Weight = ToKernelType(c, b.DataType, v.Name);
            }
            map[v] = b;
            return b;
        }

        KernelBuffer BufferOf(Value v) => map.TryGetValue(v, out var b) ? b : Create(v, v.Const is null ? BufferKind.Activation : BufferKind.Weight);

        foreach (var v in g.Inputs.Where(v => v.Const is null))
        {
            var b = Create(v, BufferKind.Input);
            program.Inputs.Add(new ProgramIO(v.Name, v.Type!.DataType, v.Type.Shape!, b));
        }

        var graphOutputs = new HashSet<Value>(g.Outputs);
        var failures = new List<string>();
        foreach (var node in g.Nodes)
        {
            var op = OpRegistry.Find(node);
            if (op is null)
            {
                failures.Add($"  {node.OpType} (opset {node.Opset}) '{node.Name}': not implemented");
                continue;
            }
            var ctx = new LowerContext(node, program, BufferOf, (v, b) => map[v] = b, graphOutputs);
            bool ok;
            try
            {
                ok = op.Lower(ctx);
            }
            catch (InvalidOperationException e)
            {
                ok = false;
                ctx.Unsupported(e.Message);
            }
            if (!ok)
            {
                failures.Add($"  {node.OpType} (opset {node.Opset}) '{node.Name}': {ctx.UnsupportedReason}");
            }
        }
        if (failures.Count > 0)
        {
            throw new UnsupportedModelException($"{failures.Count} node(s) cannot be compiled for the browser backends:\n{string.Join("\n", failures.Take(40))}" +
                (failures.Count > 40 ? $"\n  … and {failures.Count - 40} more" : ""));
        }

        foreach (var v in g.Outputs)
        {
            var b = BufferOf(v);
            // A graph output must own distinct storage: copy when it is a weight, an input, an alias or another output.
            if (b.Kind != BufferKind.Activation || b.AliasOf is not null || program.Outputs.Any(o => o.KernelBuffer == b))
            {
                var copy = program.NewBuffer(b.DataType, b.Shape, BufferKind.Output);
                program.Kernels.Add(new ElementwiseKernel(Expr.In(0, b.DataType)) { Inputs = [b], Outputs = [copy], Origin = "output" });
                b = copy;
            }
            b.Kind = BufferKind.Output;
            program.Outputs.Add(new ProgramIO(v.Name, v.Type!.DataType, v.Type.Shape!, b));
        }
        return program;
    }

    /// <summary>Converts a constant to the lowered element type, refusing int64 values that do not fit int32.</summary>
    public static Tensor ToKernelType(Tensor t, DataType dt, string name)
    {
        if (t.DataType == dt)
        {
            return t;
        }
        if (dt == DataType.Int32)
        {
            var r = Tensor.Zeros(DataType.Int32, t.Shape);
            for (int i = 0; i < t.Length; i++)
            {
                long v = t.GetLong(i);
                // Out-of-range int64 constants (INT64_MAX as "to the end") are clamped; they only ever act as bounds.
                r.SetLong(i, Math.Clamp(v, int.MinValue, int.MaxValue));
            }
            return r;
        }
        return dt == DataType.Float32 ? new Tensor(DataType.Float32, t.Shape, t.ToFloats()) : Tensor.FromDoubles(dt, t.Shape, t.ToDoubles());
    }
}
