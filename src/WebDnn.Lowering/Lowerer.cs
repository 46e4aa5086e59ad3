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
        LimitWideInputs(g, program, map.ContainsKey);
        return program;
    }

    /// <summary>
    /// Proves with <see cref="IntegerRanges"/> that no int64/uint32/uint64 value wraps in its 32-bit buffer. When the
    /// proof needs the wide graph inputs to be smaller than 32 bits allow (x·y, x + 1…), their bound goes to
    /// <see cref="ProgramIO.MaxAbs"/> and the runtime refuses larger values; when even all-zero inputs overflow
    /// (a constant outside the range, or arithmetic on one), the model is refused, naming every node and value.
    /// Float inputs take part too: a float that becomes an integer (Cast, Pow with a float exponent) gets a bound.
    /// </summary>
    private static void LimitWideInputs(Graph g, KernelProgram program, Func<Value, bool> stored)
    {
        const double Full = int.MaxValue;
        static double FullOf(Value v) => v.Type!.DataType.IsFloat() ? double.PositiveInfinity : Full;
        if (IntegerRanges.Check(g, stored, FullOf).Count == 0)
        {
            return;
        }
        static UnsupportedModelException Refuse(List<RangeViolation> found) =>
            new($"{found.Count} node(s) compute integers that do not fit the 32-bit kernels (they would wrap):\n"
                + string.Join("\n", found.Take(40).Select(v => "  " + v.Message)) + (found.Count > 40 ? $"\n  … and {found.Count - 40} more" : ""));
        var atZero = IntegerRanges.Check(g, stored, _ => 0);
        if (atZero.Count > 0)
        {
            throw Refuse(atZero);
        }
        long lo = 0, hi = int.MaxValue;
        while (hi - lo > 1)
        {
            long mid = lo + (hi - lo) / 2;
            (IntegerRanges.Check(g, stored, _ => mid).Count == 0 ? ref lo : ref hi) = mid;
        }
        // The largest common bound is safe; then give each input its full range where the others' bounds allow it.
        var wide = g.Inputs.Where(v => v.Const is null && (IntegerRanges.IsWide(v.Type!.DataType) || v.Type.DataType.IsFloat())).ToList();
        var bound = wide.ToDictionary(v => v, _ => (double)lo);
        foreach (var v in wide)
        {
            bound[v] = FullOf(v);
            if (IntegerRanges.Check(g, stored, x => bound.GetValueOrDefault(x, FullOf(x))).Count > 0)
            {
                bound[v] = lo;
            }
        }
        // An input that may only be 0 makes a useless package (e.g. x · 3000000000 with the constant folded into the
        // kernel's expression): refuse, reporting what overflows once it may be ±1.
        if (wide.FirstOrDefault(v => bound[v] < 1) is { } stuck)
        {
            throw Refuse(IntegerRanges.Check(g, stored, x => x == stuck ? 1 : bound.GetValueOrDefault(x, FullOf(x))));
        }
        for (int i = 0; i < program.Inputs.Count; i++)
        {
            var v = wide.FirstOrDefault(x => x.Name == program.Inputs[i].Name);
            if (v is not null && bound[v] < FullOf(v))
            {
                program.Inputs[i] = program.Inputs[i] with { MaxAbs = (long)bound[v] };
            }
        }
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
                // Out-of-range int64 constants (INT64_MAX as "to the end") are clamped; LimitWideInputs refuses the
                // model when such a constant is stored for a kernel that computes with it rather than bounds by it.
                r.SetLong(i, Math.Clamp(v, int.MinValue, int.MaxValue));
            }
            return r;
        }
        return dt == DataType.Float32 ? new Tensor(DataType.Float32, t.Shape, t.ToFloats()) : Tensor.FromDoubles(dt, t.Shape, t.ToDoubles());
    }
}
