using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Ops;

namespace WebDnn.Lowering;

/// <summary>A closed interval of real numbers that contains every value a tensor (or subexpression) may hold.</summary>
public readonly record struct Interval(double Lo, double Hi)
{
    public static readonly Interval All = new(double.NegativeInfinity, double.PositiveInfinity);

    public static readonly Interval Bool = new(0, 1);

    /// <summary>Every value of <paramref name="t"/> (floats: unbounded).</summary>
    public static Interval Of(DataType t) => t switch
    {
        DataType.Bool => Bool,
        DataType.UInt8 => new(0, byte.MaxValue),
        DataType.Int8 => new(sbyte.MinValue, sbyte.MaxValue),
        DataType.UInt16 => new(0, ushort.MaxValue),
        DataType.Int16 => new(short.MinValue, short.MaxValue),
        DataType.Int32 => new(int.MinValue, int.MaxValue),
        DataType.UInt32 => new(0, uint.MaxValue),
        DataType.Int64 => new(long.MinValue, long.MaxValue),
        DataType.UInt64 => new(0, ulong.MaxValue),
        _ => All,
    };

    public Interval Hull(Interval o) => new(Math.Min(Lo, o.Lo), Math.Max(Hi, o.Hi));

    public bool Within(Interval o) => Lo >= o.Lo && Hi <= o.Hi;

    public double MaxAbs => Math.Max(Math.Abs(Lo), Math.Abs(Hi));

    /// <summary>The hull of the given corner values (NaN, from 0·∞, makes it unbounded).</summary>
    public static Interval Corners(params double[] xs) =>
        xs.Any(double.IsNaN) ? All : new(xs.Min(), xs.Max());

    public override string ToString() => Lo == Hi ? Fmt(Lo) : $"[{Fmt(Lo)}, {Fmt(Hi)}]";

    private static string Fmt(double x) => double.IsInfinity(x) ? (x > 0 ? "+inf" : "-inf") : x.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A wide integer value (or subexpression) that may leave the 32-bit range its buffer holds.</summary>
public sealed record RangeViolation(Node Node, string What, DataType Type, Interval Range)
{
    public string Message => $"{Display.Escape(Node.OpType)} (opset {Node.Opset}) {Display.Quote(Node.Name)}"
        + (Node.FusedFrom.Count > 0 ? $" (fused from {string.Join(", ", Node.FusedFrom.Select(Display.Quote))})" : "")
        + $": {What} is {Type.ShortName()} with values in {Range}, outside the 32-bit range the integer kernels compute in"
        + " (int64/uint32/uint64 are stored as int32; see docs/compiler.md, \"Integer types\")";
}

/// <summary>
/// Interval analysis over the optimized graph: proves that every int64, uint32 and uint64 value that lowering stores
/// in a 32-bit buffer (or computes inside a kernel's expression) stays within int32 (and ≥ 0 for the unsigned types),
/// so the narrowing in <see cref="Lowerer"/> never wraps. Graph inputs of those types are assumed to lie in
/// [−bound, bound] ∩ their type, a bound the runtime enforces when it converts them (manifest input <c>maxAbs</c>).
/// </summary>
/// <remarks>
/// Transfer functions: elementwise ops (fused or not) are evaluated on their <see cref="Expr"/> tree; data-movement
/// ops (Reshape, Gather, Concat, Slice, Transpose, ReduceMax…) keep the hull of their data inputs; ArgMax/ArgMin and
/// Shape-like ops are bounded by the static shapes; ReduceSum and integer MatMul scale by their reduction length. Any
/// other op's integer output may hold any value of its type. Floats are tracked too (Cast int → float → int keeps a
/// bound); they start unbounded. Constants consumed by lowering as parameters (Slice ends of INT64_MAX, Reshape shapes)
/// are not stored and so not checked; a constant that becomes a buffer is.
/// </remarks>
public static class IntegerRanges
{
    private static readonly Interval s_int32 = Interval.Of(DataType.Int32);

    /// <summary>True for the element types whose values may not fit the 32-bit buffer lowering gives them.</summary>
    public static bool IsWide(DataType t) => t is DataType.Int64 or DataType.UInt32 or DataType.UInt64;

    /// <summary>
    /// The values a 32-bit buffer of ONNX type <paramref name="t"/> represents faithfully. For the unsigned types a
    /// negative int32 stands for its residue (x − y with y &gt; x wraps in ONNX; the runtime's conversion back wraps the
    /// same way), which is exact for ring operations; <see cref="IsOrderDependent"/> operations refuse such operands.
    /// </summary>
    public static Interval Representable(DataType t) => s_int32;

    private static bool IsUnsigned(DataType t) => t is DataType.UInt32 or DataType.UInt64;

    /// <summary>Operations whose result depends on reading an unsigned residue as a non-negative number.</summary>
    private static bool IsOrderDependent(BinaryOp op) => op is BinaryOp.Div or BinaryOp.Mod or BinaryOp.FMod or BinaryOp.Max or BinaryOp.Min
        or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual or BinaryOp.ShiftRight or BinaryOp.Pow;

    private static readonly HashSet<string> s_hullOfInput0 = new(StringComparer.Ordinal)
    {
        "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Slice", "Gather", "GatherElements", "GatherND",
        "Split", "Expand", "Tile", "DepthToSpace", "SpaceToDepth", "ReduceMax", "ReduceMin", "MaxPool", "Compress",
        "ReverseSequence", "Resize", "Upsample",
    };

    /// <summary>
    /// The values (at most one per node) that may leave their 32-bit buffer when each wide graph input <c>v</c> lies in
    /// [−<paramref name="inputBound"/>(v), +<paramref name="inputBound"/>(v)]; empty when none can.
    /// <paramref name="stored"/> says which graph values lowering gave a buffer.
    /// </summary>
    public static List<RangeViolation> Check(Graph g, Func<Value, bool> stored, Func<Value, double> inputBound)
    {
        var found = new List<RangeViolation>();
        var ranges = new Dictionary<Value, Interval>();
        Interval RangeOf(Value? v)
        {
            if (v is null)
            {
                return Interval.All;
            }
            if (ranges.TryGetValue(v, out var r))
            {
                return r;
            }
            var t = v.Type?.DataType ?? DataType.Undefined;
            r = v.Const is { } c ? OfConstant(c) : Interval.Of(t);
            if (v.Const is null && g.Inputs.Contains(v) && (IsWide(t) || t.IsFloat()))
            {
                double b = inputBound(v);
                r = new(Math.Max(r.Lo, -b), Math.Min(r.Hi, b));
            }
            ranges[v] = r;
            return r;
        }

        foreach (var v in g.Inputs.Concat(g.Nodes.SelectMany(n => n.Inputs)).OfType<Value>().Where(v => v.Producer is null).Distinct())
        {
            if (IsWide(v.Type?.DataType ?? DataType.Undefined) && stored(v) && v.Consumers.FirstOrDefault() is { } user
                && !RangeOf(v).Within(Representable(v.Type!.DataType)))
            {
                found.Add(new(user, v.Const is null ? $"input {Display.Quote(v.Name)}" : $"constant {Display.Quote(v.Name)}", v.Type.DataType, RangeOf(v)));
            }
        }

        foreach (var node in g.Nodes)
        {
            var outs = Transfer(node, RangeOf, out var inner);
            if (inner is not null && found.All(f => f.Node != node))
            {
                found.Add(inner);
            }
            for (int i = 0; i < node.Outputs.Count; i++)
            {
                var v = node.Outputs[i];
                var t = v.Type?.DataType ?? DataType.Undefined;
                var r = i < outs.Length ? outs[i] : Interval.Of(t);
                // A value of a narrow type that leaves it wraps in ONNX: say only what the type allows.
                if (!r.Within(Interval.Of(t)))
                {
                    r = IsWide(t) ? r : Interval.Of(t);
                }
                ranges[v] = r;
                if (IsWide(t) && stored(v) && !r.Within(Representable(t)) && found.All(f => f.Node != node))
                {
                    found.Add(new(node, $"output {Display.Quote(v.Name)}", t, r));
                }
            }
        }
        return found;
    }

    private static Interval OfConstant(Tensor c)
    {
        if (c.DataType == DataType.String || c.Length == 0)
        {
            return Interval.All;
        }
        var d = c.ToDoubles();
        double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
        foreach (var x in d)
        {
            if (double.IsNaN(x))
            {
                return Interval.All;
            }
            lo = Math.Min(lo, x);
            hi = Math.Max(hi, x);
        }
        return new(lo, hi);
    }

    private static Interval[] Transfer(Node node, Func<Value?, Interval> rangeOf, out RangeViolation? inner)
    {
        inner = null;
        var op = OpRegistry.Find(node);
        if (op is ElementwiseOp ew && node.Inputs.All(v => v?.Type is not null))
        {
            var (expr, slots) = ew.ScalarExpr(node);
            RangeViolation? found = null;
            string Name(int i) => node.Inputs[slots[i]] is { } v ? Display.Quote(v.Name) : $"in{i}";
            var r = Eval(expr, i => rangeOf(node.Inputs[slots[i]]), (e, range, ordered) =>
            {
                found ??= new(node, ordered ? $"{Render(e, Name)}, unsigned and possibly wrapped below zero, is read as a number, and"
                    : $"{Render(e, Name)}", e.Type, range);
            });
            inner = found;
            return [r];
        }
        if (node.Domain is not ("" or "ai.onnx"))
        {
            return [];
        }
        Interval In(int i) => rangeOf(node.Input(i));
        if (node.Attributes.Values.Any(a => a.Kind == AttributeKind.Expr))
        {
            // A fused epilogue (Conv/MatMul/Gemm + bias, activation, residual): not modelled, any value of the type.
            return [];
        }
        int[] Dims(int i) => node.Input(i)?.Type is { IsStatic: true } t ? t.StaticShape() : [];
        switch (node.OpType)
        {
            case "ReduceMax" or "ReduceMin" or "MaxPool" or "ArgMax" or "ArgMin" or "TopK"
                when IsUnsigned(node.Input(0)?.Type?.DataType ?? DataType.Undefined) && In(0).Lo < 0:
                inner = new(node, $"input {Display.Quote(node.Input(0)!.Name)} (unsigned, may have wrapped below zero) is ordered", node.Input(0)!.Type!.DataType, In(0));
                return [];
            case var s when s_hullOfInput0.Contains(s):
                return [.. node.Outputs.Select(_ => In(0))];
            case "Trilu" or "CenterCropPad":
                return [In(0).Hull(new(0, 0))];
            case "ScatterND" or "ScatterElements" when node.Attributes.TryGetValue("reduction", out var red) && red.S is not ("" or "none"):
                return [];
            case "Concat":
                return [node.Inputs.OfType<Value>().Select(rangeOf).Aggregate((a, b) => a.Hull(b))];
            case "Pad":
                // The pad value (input 2, default 0) joins the data's range.
                return [In(0).Hull(node.Input(2) is { } pv ? rangeOf(pv) : new(0, 0))];
            case "ScatterND" or "ScatterElements":
                return [In(0).Hull(In(2))];
            case "ArgMax" or "ArgMin":
                return [new(0, Math.Max(0, Dims(0).DefaultIfEmpty(int.MaxValue).Max() - 1))];
            case "Shape":
                return [new(0, Dims(0).DefaultIfEmpty(int.MaxValue).Max())];
            case "Size":
                return [new(0, Dims(0).Aggregate(1L, (a, b) => a * b))];
            case "TopK":
                return [In(0), new(0, Math.Max(0, Dims(0).DefaultIfEmpty(int.MaxValue).Max() - 1))];
            case "ReduceSum" when node.Outputs[0].Type is { IsStatic: true } ot:
                {
                    double n = Dims(0).Aggregate(1.0, (a, b) => a * b) / Math.Max(1, ot.StaticShape().Aggregate(1.0, (a, b) => a * b));
                    var x = In(0);
                    return [Interval.Corners(n * x.Lo, n * x.Hi, x.Lo, x.Hi)];
                }
            case "MatMul" when Dims(0).Length > 0:
                {
                    double k = Dims(0)[^1];
                    var (a, b) = (In(0), In(1));
                    var p = Interval.Corners(a.Lo * b.Lo, a.Lo * b.Hi, a.Hi * b.Lo, a.Hi * b.Hi);
                    return [Interval.Corners(k * p.Lo, k * p.Hi, p.Lo, p.Hi)];
                }
            default:
                return [];
        }
    }

    /// <summary>
    /// The interval of <paramref name="e"/>; calls <paramref name="violation"/> for each wide-integer arithmetic result
    /// that may leave 32 bits. Leaves are not reported here (stored inputs are checked as buffers), nor are the
    /// operands of Min/Max and comparisons, where an out-of-range constant only acts as a bound.
    /// </summary>
    public static Interval Eval(Expr e, Func<int, Interval> input, Action<Expr, Interval, bool> violation)
    {
        Interval Go(Expr x)
        {
            var r = x switch
            {
                InputExpr i => input(i.Index),
                ConstExpr c => double.IsNaN(c.Value) ? Interval.All : new(c.Value, c.Value),
                CastExpr c => Cast(Wrapped(c.A, Go(c.A), c.To != c.A.Type), c.A.Type, c.To),
                SelectExpr s => Go2(s.Cond, s.A, s.B),
                UnaryExpr u => Unary(u.Op, Wrapped(u.A, Go(u.A), u.Op is UnaryOp.Abs or UnaryOp.Sign or UnaryOp.Relu), u.ResultType),
                BinaryExpr b => Binary(b.Op, Wrapped(b.A, Go(b.A), IsOrderDependent(b.Op)), Wrapped(b.B, Go(b.B), IsOrderDependent(b.Op)), b.ResultType,
                    IsIntegral(b.A)),
                _ => Interval.Of(x.Type),
            };
            if (x is UnaryExpr or BinaryExpr or CastExpr && IsWide(x.Type) && !r.Within(Representable(x.Type)))
            {
                violation(x, r, false);
            }
            return r;
        }
        // An unsigned operand that may hold a wrapped (negative) residue, read by an operation that orders it.
        Interval Wrapped(Expr operand, Interval r, bool ordered)
        {
            if (ordered && IsUnsigned(operand.Type) && r.Lo < 0)
            {
                violation(operand, r, true);
            }
            return r;
        }
        Interval Go2(Expr cond, Expr a, Expr b)
        {
            Go(cond);
            return Go(a).Hull(Go(b));
        }
        return Go(e);
    }

    /// <summary><paramref name="e"/> as text, its inputs named by <paramref name="name"/>.</summary>
    public static string Render(Expr e, Func<int, string> name) => e switch
    {
        InputExpr i => name(i.Index),
        ConstExpr c => c.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        UnaryExpr u => $"{u.Op}({Render(u.A, name)})",
        BinaryExpr b => $"{b.Op}({Render(b.A, name)}, {Render(b.B, name)})",
        SelectExpr s => $"Select({Render(s.Cond, name)}, {Render(s.A, name)}, {Render(s.B, name)})",
        CastExpr c => $"Cast<{c.To.ShortName()}>({Render(c.A, name)})",
        _ => e.ToString(),
    };

    /// <summary>True when <paramref name="e"/> holds whole numbers (an integer, or an integer cast to float).</summary>
    private static bool IsIntegral(Expr e) => e.Type.IsInteger() || e is CastExpr c && c.A.Type.IsInteger();

    private static Interval Cast(Interval a, DataType from, DataType to)
    {
        if (to == DataType.Bool)
        {
            return Interval.Bool;
        }
        if (to.IsFloat())
        {
            return a;
        }
        // float → int truncates toward zero; any value outside the target type wraps (or is undefined for floats).
        var r = from.IsFloat() ? new Interval(Math.Truncate(a.Lo), Math.Truncate(a.Hi)) : a;
        return r.Within(Interval.Of(to)) ? r : Interval.Of(to);
    }

    private static Interval Unary(UnaryOp op, Interval a, DataType t) => op switch
    {
        UnaryOp.Neg => new(-a.Hi, -a.Lo),
        UnaryOp.Abs => a.Lo >= 0 ? a : a.Hi <= 0 ? new(-a.Hi, -a.Lo) : new(0, a.MaxAbs),
        UnaryOp.Relu => new(Math.Max(0, a.Lo), Math.Max(0, a.Hi)),
        UnaryOp.Sign => new(-1, 1),
        UnaryOp.Floor or UnaryOp.Ceil or UnaryOp.Round => new(Math.Floor(a.Lo), Math.Ceiling(a.Hi)),
        // ~x = −x − 1 in two's complement, and for the unsigned types as a residue.
        UnaryOp.BitNot => new(-a.Hi - 1, -a.Lo - 1),
        UnaryOp.Not or UnaryOp.IsNaN or UnaryOp.IsInf or UnaryOp.IsPosInf or UnaryOp.IsNegInf => Interval.Bool,
        UnaryOp.Sigmoid or UnaryOp.Erf or UnaryOp.Tanh or UnaryOp.Sin or UnaryOp.Cos => new(-1, 1),
        _ => Interval.Of(t),
    };

    private static Interval Binary(BinaryOp op, Interval a, Interval b, DataType t, bool integralBase)
    {
        switch (op)
        {
            case BinaryOp.Add:
                return new(a.Lo + b.Lo, a.Hi + b.Hi);
            case BinaryOp.Sub:
                return new(a.Lo - b.Hi, a.Hi - b.Lo);
            case BinaryOp.Mul:
                return Interval.Corners(a.Lo * b.Lo, a.Lo * b.Hi, a.Hi * b.Lo, a.Hi * b.Hi);
            case BinaryOp.Div when t.IsInteger():
                // Integer division truncates: |a / b| ≤ |a|, with the sign of a·b (b = 0 is undefined in ONNX).
                return b.Lo >= 0 ? new(Math.Min(a.Lo, 0), Math.Max(a.Hi, 0))
                    : b.Hi <= 0 ? new(Math.Min(-a.Hi, 0), Math.Max(-a.Lo, 0))
                    : new(-a.MaxAbs, a.MaxAbs);
            case BinaryOp.Div when b.Lo > 0 || b.Hi < 0:
                return Interval.Corners(a.Lo / b.Lo, a.Lo / b.Hi, a.Hi / b.Lo, a.Hi / b.Hi);
            case BinaryOp.Max:
                return new(Math.Max(a.Lo, b.Lo), Math.Max(a.Hi, b.Hi));
            case BinaryOp.Min:
                return new(Math.Min(a.Lo, b.Lo), Math.Min(a.Hi, b.Hi));
            case BinaryOp.Mod or BinaryOp.FMod:
                {
                    // |a mod b| < |b| (integers) and ≤ |a|; the sign is the divisor's (Mod) or the dividend's (FMod).
                    double m = Math.Min(t.IsInteger() ? Math.Max(0, b.MaxAbs - 1) : b.MaxAbs, a.MaxAbs);
                    var sign = op == BinaryOp.Mod && t.IsInteger() ? b : a;
                    return new(sign.Lo >= 0 ? 0 : -m, sign.Hi <= 0 ? 0 : m);
                }
            case BinaryOp.Pow when integralBase:
                {
                    // A whole-number base: |a^b| ≤ max(1, |a|^b) for b ≥ 0 and ≤ 1 for b < 0 (0^−k is infinite,
                    // which no integer holds: its conversion is undefined in ONNX).
                    double p = Math.Max(1, Math.Pow(a.MaxAbs, Math.Max(0, b.Hi)));
                    return new(a.Lo >= 0 ? 0 : -p, p);
                }
            case BinaryOp.ShiftLeft when a.Lo >= 0 && b.Lo >= 0:
                return new(a.Lo * Math.Pow(2, b.Lo), a.Hi * Math.Pow(2, Math.Min(b.Hi, 64)));
            case BinaryOp.ShiftRight when a.Lo >= 0:
                return new(0, a.Hi);
            case BinaryOp.BitAnd when a.Lo >= 0 || b.Lo >= 0:
                return new(0, Math.Min(a.Lo >= 0 ? a.Hi : double.PositiveInfinity, b.Lo >= 0 ? b.Hi : double.PositiveInfinity));
            case BinaryOp.BitOr or BinaryOp.BitXor when a.Lo >= 0 && b.Lo >= 0:
                return new(0, Math.Pow(2, Math.Ceiling(Math.Log2(Math.Max(a.Hi, b.Hi) + 1))) - 1);
            case BinaryOp.BitAnd or BinaryOp.BitOr or BinaryOp.BitXor:
                {
                    // Two's complement: operands in [−2^k, 2^k) give results in [−2^k, 2^k).
                    double k = Math.Ceiling(Math.Log2(Math.Max(a.MaxAbs, b.MaxAbs) + 1));
                    return new(-Math.Pow(2, k), Math.Pow(2, k) - 1);
                }
            case BinaryOp.Equal or BinaryOp.Less or BinaryOp.LessOrEqual or BinaryOp.Greater or BinaryOp.GreaterOrEqual
                or BinaryOp.And or BinaryOp.Or or BinaryOp.Xor:
                return Interval.Bool;
            default:
                return Interval.Of(t);
        }
    }
}
