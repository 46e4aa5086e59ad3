using System.Globalization;
using System.Text;
using WebDnn.Core.Kernels;

namespace WebDnn.Core.Text;

/// <summary>
/// A tiny text format for graphs, used by pass tests and <c>webdnn inspect --dump-after</c> (TVMScript's role in TVM's before/expected tests). One statement per line:
/// <code>
/// opset 17                                   (optional; ai.onnx opset of the nodes, default 17)
/// input %x: f32[1,3,8,8]                     (dims may be symbols: f32[N,16]; ? is unknown)
/// const %w: f32[4,3,3,3] = random            (random: seeded uniform [-1,1]; uniform(lo,hi); [1,2,…]; a number fills)
/// %y = Conv(%x, %w, _) {pads=[1,1,1,1]}      (_ is an omitted input; domain.Op for other domains)
/// %a, %b = Split(%y) {axis=1}
/// output %y
/// </code>
/// Attribute values: 3 (int), 0.5 (float: has '.', 'e' or is NaN/∞), "s" (string), [1,2] / [0.5,1.0] (lists),
/// anything else is an <see cref="Expr"/> as <see cref="Expr.ToString"/> prints it (Relu(Add(in0, in1))).
/// <see cref="Print"/> writes a canonical form: nodes in a structural order (depth-first from the outputs), values
/// renamed %c0… (constants) and %t0… (intermediates) except graph inputs and outputs, attributes sorted, small
/// constants with their values. Two graphs are structurally equal when they print the same.
/// </summary>
public static class GraphText
{
    public static Graph Parse(string text)
    {
        var g = new Graph { Name = "test" };
        g.Opsets[""] = 17;
        var scope = new Dictionary<string, Value>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.Trim();
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash].Trim();
            }
            if (line.Length == 0)
            {
                continue;
            }
            try
            {
                ParseLine(g, scope, line);
            }
            catch (Exception e) when (e is FormatException or KeyNotFoundException or ArgumentException or IndexOutOfRangeException)
            {
                throw new FormatException($"graph text line {lineNo} '{line}': {e.Message}", e);
            }
        }
        return g;
    }

    private static void ParseLine(Graph g, Dictionary<string, Value> scope, string line)
    {
        if (line.StartsWith("opset ", StringComparison.Ordinal))
        {
            g.Opsets[""] = int.Parse(line[6..].Trim(), CultureInfo.InvariantCulture);
            return;
        }
        if (line.StartsWith("input ", StringComparison.Ordinal))
        {
            var (name, type) = ParseDecl(line[6..]);
            var v = new Value(name, type);
            g.ReserveName(name);
            g.Inputs.Add(v);
            scope[name] = v;
            return;
        }
        if (line.StartsWith("const ", StringComparison.Ordinal))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            var (name, type) = ParseDecl(line[6..eq]);
            var t = MakeTensor(name, type, line[(eq + 1)..].Trim());
            g.ReserveName(name);
            scope[name] = new Value(name, t.Type, t);
            return;
        }
        if (line.StartsWith("output ", StringComparison.Ordinal))
        {
            g.Outputs.Add(scope[Ref(line[7..].Trim())]);
            return;
        }
        int assign = line.IndexOf('=', StringComparison.Ordinal);
        var outNames = line[..assign].Split(',').Select(s => Ref(s.Trim())).ToArray();
        var rest = line[(assign + 1)..].Trim();
        int open = rest.IndexOf('(', StringComparison.Ordinal);
        int close = rest.IndexOf(')', StringComparison.Ordinal);
        var opName = rest[..open].Trim();
        string domain = "";
        int dot = opName.LastIndexOf('.');
        if (dot >= 0)
        {
            domain = opName[..dot];
            opName = opName[(dot + 1)..];
        }
        var inputs = rest[(open + 1)..close].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s == "_" ? null : scope[Ref(s)]).ToList();
        var node = new Node(opName, g.UniqueName(opName), domain) { Opset = domain.Length == 0 ? g.Opsets[""] : 1 };
        var attrText = rest[(close + 1)..].Trim();
        if (attrText.Length > 0)
        {
            foreach (var a in SplitTopLevel(attrText.Trim('{', '}')))
            {
                int e = a.IndexOf('=', StringComparison.Ordinal);
                node.SetAttribute(ParseAttr(a[..e].Trim(), a[(e + 1)..].Trim()));
            }
        }
        var outs = new List<Value>();
        foreach (var n in outNames)
        {
            g.ReserveName(n);
            var v = new Value(n);
            scope[n] = v;
            outs.Add(v);
        }
        g.AddNode(node, inputs, outs);
    }

    private static string Ref(string s) => s.StartsWith('%') ? s[1..] : throw new FormatException($"expected %name, got '{s}'");

    private static (string Name, TensorType Type) ParseDecl(string decl)
    {
        int colon = decl.IndexOf(':', StringComparison.Ordinal);
        var name = Ref(decl[..colon].Trim());
        var t = decl[(colon + 1)..].Trim();
        int br = t.IndexOf('[', StringComparison.Ordinal);
        var dt = DataTypes.FromShortName(t[..br]);
        var dims = t[(br + 1)..t.IndexOf(']', StringComparison.Ordinal)].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => d == "?" ? Dim.Unknown : long.TryParse(d, CultureInfo.InvariantCulture, out var n) ? Dim.Of(n) : Dim.Sym(d)).ToArray();
        return (name, new TensorType(dt, dims));
    }

    private static Tensor MakeTensor(string name, TensorType type, string init)
    {
        var shape = type.StaticShape();
        int n = (int)Tensor.ElementCount(shape);
        var rng = new Random(StableHash(name));
        double[] values;
        if (init == "random")
        {
            values = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        }
        else if (init.StartsWith("uniform(", StringComparison.Ordinal))
        {
            var p = init[8..^1].Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            values = Enumerable.Range(0, n).Select(_ => p[0] + rng.NextDouble() * (p[1] - p[0])).ToArray();
        }
        else if (init.StartsWith('['))
        {
            values = init.Trim('[', ']').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        }
        else
        {
            values = Enumerable.Repeat(double.Parse(init, CultureInfo.InvariantCulture), n).ToArray();
        }
        return type.DataType.IsFloat() ? Tensor.FromDoubles(type.DataType, shape, values)
            : Tensor.FromLongs(type.DataType, shape, values.Select(v => (long)v).ToArray());
    }

    /// <summary>FNV-1a, so seeds do not depend on the process (string.GetHashCode is randomized).</summary>
    public static int StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s)
        {
            h = (h ^ c) * 16777619;
        }
        return unchecked((int)h);
    }

    private static List<string> SplitTopLevel(string s)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '(' or '[' or '<')
            {
                depth++;
            }
            else if (!quoted && c is ')' or ']' or '>')
            {
                depth--;
            }
            else if (!quoted && c == ',' && depth == 0)
            {
                parts.Add(s[start..i].Trim());
                start = i + 1;
            }
        }
        if (s[start..].Trim().Length > 0)
        {
            parts.Add(s[start..].Trim());
        }
        return parts;
    }

    private static bool LooksFloat(string s) => s.Contains('.', StringComparison.Ordinal) || s.Contains('e', StringComparison.OrdinalIgnoreCase)
        || s.Contains("NaN", StringComparison.Ordinal) || s.Contains('∞', StringComparison.Ordinal);

    private static Attr ParseAttr(string name, string v)
    {
        var inv = CultureInfo.InvariantCulture;
        if (v.StartsWith('"'))
        {
            return Attr.Str(name, v.Trim('"'));
        }
        if (v.StartsWith('['))
        {
            var items = v.Trim('[', ']').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return items.Any(LooksFloat)
                ? Attr.FloatList(name, items.Select(x => float.Parse(x, inv)).ToArray())
                : Attr.IntList(name, items.Select(x => long.Parse(x, inv)).ToArray());
        }
        if (v.Length > 0 && (char.IsDigit(v[0]) || v[0] == '-'))
        {
            return LooksFloat(v) ? Attr.Float(name, float.Parse(v, inv)) : Attr.Int(name, long.Parse(v, inv));
        }
        int pos = 0;
        var e = ParseExpr(v, ref pos);
        return Attr.Expression(name, e);
    }

    private static Expr ParseExpr(string s, ref int pos)
    {
        while (s[pos] == ' ')
        {
            pos++;
        }
        int start = pos;
        while (pos < s.Length && (char.IsLetterOrDigit(s[pos]) || s[pos] is '.' or '-' or '+' or '_'))
        {
            pos++;
        }
        var word = s[start..pos];
        if (word.StartsWith("in", StringComparison.Ordinal) && int.TryParse(word[2..], CultureInfo.InvariantCulture, out int idx))
        {
            return Expr.In(idx, DataType.Float32);
        }
        if (double.TryParse(word, CultureInfo.InvariantCulture, out double num))
        {
            return Expr.Const(num, DataType.Float32);
        }
        DataType? castTo = null;
        if (word == "Cast" && s[pos] == '<')
        {
            int gt = s.IndexOf('>', pos);
            castTo = DataTypes.FromShortName(s[(pos + 1)..gt]);
            pos = gt + 1;
        }
        var args = new List<Expr>();
        if (s[pos] != '(')
        {
            throw new FormatException($"bad expression near '{s[start..]}'");
        }
        pos++;
        while (true)
        {
            args.Add(ParseExpr(s, ref pos));
            while (s[pos] == ' ')
            {
                pos++;
            }
            if (s[pos++] == ')')
            {
                break;
            }
        }
        if (castTo is { } to)
        {
            return Expr.Cast(args[0], to);
        }
        if (word == "Select")
        {
            return Expr.Select(args[0], args[1], args[2]);
        }
        return args.Count == 1 ? Expr.Un(Enum.Parse<UnaryOp>(word), args[0]) : Expr.Bin(Enum.Parse<BinaryOp>(word), args[0], args[1]);
    }

    /// <summary>The canonical text of <paramref name="g"/> (see the class summary).</summary>
    public static string Print(Graph g)
    {
        var order = new List<Node>();
        var seen = new HashSet<Node>();
        var inGraph = new HashSet<Node>(g.Nodes);
        // Post-order depth-first walk with an explicit stack (a model controls the depth: no recursion).
        void Visit(Node root)
        {
            if (!seen.Add(root))
            {
                return;
            }
            var stack = new Stack<(Node Node, IEnumerator<Value?> Next)>();
            stack.Push((root, root.Inputs.Concat(root.ImplicitInputs).GetEnumerator()));
            while (stack.Count > 0)
            {
                var (n, next) = stack.Peek();
                if (next.MoveNext())
                {
                    if (next.Current?.Producer is { } p && inGraph.Contains(p) && seen.Add(p))
                    {
                        stack.Push((p, p.Inputs.Concat(p.ImplicitInputs).GetEnumerator()));
                    }
                    continue;
                }
                stack.Pop();
                order.Add(n);
            }
        }
        foreach (var o in g.Outputs)
        {
            if (o.Producer is { } p && inGraph.Contains(p))
            {
                Visit(p);
            }
        }
        foreach (var n in g.Nodes)
        {
            Visit(n);
        }

        var names = new Dictionary<Value, string>();
        foreach (var v in g.Inputs.Concat(g.Outputs))
        {
            names.TryAdd(v, v.Name);
        }
        var consts = new List<Value>();
        int temps = 0;
        string Name(Value v)
        {
            if (!names.TryGetValue(v, out var s))
            {
                if (v.IsConstant)
                {
                    s = $"c{consts.Count}";
                    consts.Add(v);
                }
                else
                {
                    s = $"t{temps++}";
                }
                names[v] = s;
            }
            return "%" + s;
        }
        var body = new StringBuilder();
        foreach (var n in order)
        {
            var ins = string.Join(", ", n.Inputs.Select(v => v is null ? "_" : Name(v)));
            var outs = string.Join(", ", n.Outputs.Select(Name));
            var op = n.Domain.Length == 0 ? n.OpType : $"{n.Domain}.{n.OpType}";
            body.Append(CultureInfo.InvariantCulture, $"{outs} = {op}({ins})");
            if (n.Attributes.Count > 0)
            {
                body.Append(" {").Append(string.Join(", ", n.Attributes.Values.OrderBy(a => a.Name, StringComparer.Ordinal).Select(FormatAttr))).Append('}');
            }
            body.Append('\n');
        }
        foreach (var o in g.Outputs)
        {
            Name(o);
        }
        var sb = new StringBuilder();
        foreach (var v in g.Inputs)
        {
            sb.Append(CultureInfo.InvariantCulture, $"input %{v.Name}: {v.Type}\n");
        }
        foreach (var c in consts)
        {
            sb.Append(CultureInfo.InvariantCulture, $"const %{names[c]}: {c.Const!.Type}{FormatValues(c.Const)}\n");
        }
        sb.Append(body);
        foreach (var o in g.Outputs)
        {
            sb.Append(CultureInfo.InvariantCulture, $"output %{o.Name}\n");
        }
        return sb.ToString();
    }

    private static string FormatValues(Tensor t) =>
        t.Length > 8 || t.DataType == DataType.String ? "" : $" = [{string.Join(",", Enumerable.Range(0, t.Length).Select(i => FormatNumber(t.GetDouble(i), t.DataType)))}]";

    private static string FormatNumber(double v, DataType dt) =>
        dt.IsFloat() ? ((float)v).ToString("G6", CultureInfo.InvariantCulture) : ((long)v).ToString(CultureInfo.InvariantCulture);

    private static string FormatFloat(float f)
    {
        var s = f.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.', StringComparison.Ordinal) || s.Contains('E', StringComparison.Ordinal) || !float.IsFinite(f) ? s : s + ".0";
    }

    private static string FormatAttr(Attr a) => a.Kind switch
    {
        AttributeKind.Float => $"{a.Name}={FormatFloat(a.F)}",
        AttributeKind.Floats => $"{a.Name}=[{string.Join(",", a.Floats.Select(FormatFloat))}]",
        AttributeKind.Ints => $"{a.Name}=[{string.Join(",", a.Ints)}]",
        AttributeKind.Tensor => $"{a.Name}=<{a.T}>",
        _ => a.ToString(),
    };
}
