using System.Text.Json;
using System.Text.Json.Nodes;
using WebDnn.Core;
using WebDnn.Core.Kernels;

namespace WebDnn.Tooling.Bench;

/// <summary>
/// Benchmark tooling, not a backend: writes our (optimized) graph as JSON plus one binary weights blob for the
/// TensorFlow.js interpreter in bench/page/tfjs-graph.js, which runs it with TF.js's fused ops in NHWC.
/// </summary>
/// <remarks>
/// Values are numbered; model names appear only as JSON string data. Constants become f32/i32/bool (TF.js has no
/// int64 or float64). Convolution filters are stored in the layout TF.js wants, as its converter would have done
/// offline: Conv group 1 and grouped → HWIO [kh,kw,cin/g,cout]; depthwise → [kh,kw,cin,multiplier];
/// ConvTranspose → [kh,kw,cout,cin]. The node then names that constant in attribute "tf.filter".
/// </remarks>
public static class TfjsGraphExporter
{
    public const string Format = "webdnn-tfjs-graph/1";

    /// <summary>The graph JSON and the weights blob it refers to by byte offset.</summary>
    public sealed record Export(string Json, byte[] Weights);

    public static Export Write(Graph g)
    {
        var ids = new Dictionary<Value, int>();
        var consts = new JsonArray();
        var blob = new MemoryStream();
        var values = new JsonObject();
        // Weights that the adapter reads only in a re-laid-out copy (tf.filter, tf.b): their original data is not written.
        var shapeOnly = new HashSet<Value>(g.Nodes
            .Where(n => FilterFor(n) is not null || GemmB(n) is not null)
            .Select(n => n.Input(1)!)
            .Where(w => w.Consumers.Count == 1 && !g.Outputs.Contains(w)));

        int Id(Value v)
        {
            if (ids.TryGetValue(v, out int id))
            {
                return id;
            }
            id = ids.Count;
            ids[v] = id;
            values[id.ToString()] = ValueJson(v);
            if (v.Const is { } t && !shapeOnly.Contains(v))
            {
                consts.Add(ConstJson(id, t, blob));
            }
            return id;
        }

        int AddConst(Tensor t, string hint)
        {
            var v = new Value(hint, t.Type, t);
            return Id(v);
        }

        var nodes = new JsonArray();
        foreach (var n in g.Nodes)
        {
            var attrs = new JsonObject();
            foreach (var (name, a) in n.Attributes)
            {
                if (AttrJson(a) is { } j)
                {
                    attrs[name] = j;
                }
                else if (a.Kind == AttributeKind.Tensor && a.T is { } at)
                {
                    attrs[name] = new JsonObject { ["const"] = AddConst(at, name) };
                }
            }
            if (FilterFor(n) is { } filter)
            {
                attrs["tf.filter"] = AddConst(filter, "filter");
            }
            if (GemmB(n) is { } b)
            {
                attrs["tf.b"] = AddConst(b, "gemm_b");
            }
            var ins = new JsonArray();
            foreach (var i in n.Inputs)
            {
                ins.Add(i is null ? null : JsonValue.Create(Id(i)));
            }
            var outs = new JsonArray();
            foreach (var o in n.Outputs)
            {
                outs.Add(Id(o));
            }
            nodes.Add(new JsonObject
            {
                ["op"] = n.OpType,
                ["domain"] = n.Domain,
                ["name"] = n.Name,
                ["opset"] = n.Opset,
                ["inputs"] = ins,
                ["outputs"] = outs,
                ["attrs"] = attrs,
                ["subgraphs"] = n.Attributes.Values.Any(a => a.Kind is AttributeKind.Graph or AttributeKind.Graphs),
            });
        }
        var root = new JsonObject
        {
            ["format"] = Format,
            ["inputs"] = new JsonArray([.. g.Inputs.Select(v => (JsonNode)new JsonObject { ["id"] = Id(v), ["name"] = v.Name })]),
            ["outputs"] = new JsonArray([.. g.Outputs.Select(v => (JsonNode)new JsonObject { ["id"] = Id(v), ["name"] = v.Name })]),
            ["values"] = values,
            ["consts"] = consts,
            ["nodes"] = nodes,
        };
        return new Export(root.ToJsonString(new JsonSerializerOptions { WriteIndented = false }), blob.ToArray());
    }

    private static JsonObject ValueJson(Value v)
    {
        var o = new JsonObject { ["dtype"] = TfDtype(v.Type?.DataType ?? DataType.Float32) };
        if (v.Type?.Shape is { } shape)
        {
            o["shape"] = new JsonArray([.. shape.Select(d => (JsonNode?)JsonValue.Create(d.IsKnown ? d.Value : -1))]);
        }
        return o;
    }

    private static string TfDtype(DataType t) => t switch
    {
        DataType.Bool => "bool",
        _ when t.IsInteger() => "int32",
        _ => "float32",
    };

    private static JsonObject ConstJson(int id, Tensor t, MemoryStream blob)
    {
        string dtype = TfDtype(t.DataType);
        byte[] bytes = dtype switch
        {
            "float32" => t.DataType == DataType.Float32 ? t.ToBytes() : Tensor.FromDoubles(DataType.Float32, t.Shape, t.ToDoubles()).ToBytes(),
            // int64 constants (shapes, axes, indices) narrowed with saturation: INT64_MAX "to the end" slice bounds stay large.
            "int32" => Tensor.FromLongs(DataType.Int32, t.Shape, t.ToLongs().Select(x => Math.Clamp(x, int.MinValue, int.MaxValue)).ToArray()).ToBytes(),
            _ => t.ToBytes(),
        };
        while (blob.Length % 4 != 0)
        {
            blob.WriteByte(0);
        }
        long offset = blob.Length;
        blob.Write(bytes);
        return new JsonObject
        {
            ["id"] = id,
            ["dtype"] = dtype,
            ["shape"] = new JsonArray([.. t.Shape.Select(d => (JsonNode?)JsonValue.Create(d))]),
            ["offset"] = offset,
            ["length"] = bytes.Length,
        };
    }

    private static JsonNode? AttrJson(Attr a) => a.Kind switch
    {
        AttributeKind.Int => JsonValue.Create(a.I),
        AttributeKind.Float => JsonValue.Create(float.IsFinite(a.F) ? a.F : (a.F > 0 ? 3.4e38f : -3.4e38f)),
        AttributeKind.String => JsonValue.Create(a.S),
        AttributeKind.Ints => new JsonArray([.. a.Ints.Select(x => (JsonNode?)JsonValue.Create(x))]),
        AttributeKind.Floats => new JsonArray([.. a.Floats.Select(x => (JsonNode?)JsonValue.Create(x))]),
        AttributeKind.Strings => new JsonArray([.. a.Strings.Select(x => (JsonNode?)JsonValue.Create(x))]),
        AttributeKind.Expr when a.E is not null => ExprJson(a.E),
        _ => null,
    };

    /// <summary>An <see cref="Expr"/> as a JSON tree: {k:"in",i} {k:"c",v} {k:"un",op,a} {k:"bin",op,a,b} {k:"sel",c,a,b} {k:"cast",to,a}.</summary>
    public static JsonObject ExprJson(Expr e) => e switch
    {
        InputExpr i => new JsonObject { ["k"] = "in", ["i"] = i.Index, ["t"] = TfDtype(i.InputType) },
        ConstExpr c => new JsonObject { ["k"] = "c", ["v"] = ConstValue(c.Value), ["t"] = TfDtype(c.ConstType) },
        UnaryExpr u => new JsonObject { ["k"] = "un", ["op"] = u.Op.ToString(), ["a"] = ExprJson(u.A) },
        BinaryExpr b => new JsonObject { ["k"] = "bin", ["op"] = b.Op.ToString(), ["a"] = ExprJson(b.A), ["b"] = ExprJson(b.B) },
        SelectExpr s => new JsonObject { ["k"] = "sel", ["c"] = ExprJson(s.Cond), ["a"] = ExprJson(s.A), ["b"] = ExprJson(s.B) },
        CastExpr c => new JsonObject { ["k"] = "cast", ["to"] = TfDtype(c.To), ["a"] = ExprJson(c.A) },
        _ => new JsonObject { ["k"] = "unknown", ["op"] = e.GetType().Name },
    };

    private static JsonNode ConstValue(double v) =>
        double.IsNaN(v) ? JsonValue.Create("NaN") : double.IsPositiveInfinity(v) ? JsonValue.Create("Infinity")
        : double.IsNegativeInfinity(v) ? JsonValue.Create("-Infinity") : JsonValue.Create(v);

    /// <summary>The filter of a Conv/ConvTranspose in TF.js layout, when the weight is a 4-D f32 constant.</summary>
    private static Tensor? FilterFor(Node n)
    {
        if (n.Domain.Length != 0 || n.OpType is not ("Conv" or "ConvTranspose") || n.Input(1)?.Const is not { Rank: 4 } w)
        {
            return null;
        }
        long group = n.Attributes.TryGetValue("group", out var ga) ? ga.I : 1;
        var f = w.DataType == DataType.Float32 ? w : Tensor.FromDoubles(DataType.Float32, w.Shape, w.ToDoubles());
        if (n.OpType == "ConvTranspose")
        {
            return group == 1 ? Permute(f, [2, 3, 1, 0]) : null;
        }
        // Depthwise: one input channel per group; OIHW [cin*m, 1, kh, kw] viewed as [cin, m, kh, kw] → [kh, kw, cin, m].
        if (group > 1 && w.Shape[1] == 1 && w.Shape[0] % group == 0 && n.Input(0)?.Type?.Shape is { Length: 4 } xs && xs[1].IsKnown && xs[1].Value == group)
        {
            int m = w.Shape[0] / (int)group;
            return Permute(f.Reshape([(int)group, m, w.Shape[2], w.Shape[3]]), [2, 3, 0, 1]);
        }
        return Permute(f, [2, 3, 1, 0]);
    }

    /// <summary>
    /// Gemm's constant B with transB=1, stored as [K, N] (TF's MatMul weight layout, as its converter writes it).
    /// Also avoids tfjs-backend-wasm 4.22's fused matMul with transposeB and a bias, which returns wrong values.
    /// </summary>
    private static Tensor? GemmB(Node n)
    {
        if (n.Domain.Length != 0 || n.OpType != "Gemm" || n.Input(1)?.Const is not { Rank: 2 } b
            || !n.Attributes.TryGetValue("transB", out var tb) || tb.I == 0)
        {
            return null;
        }
        var f = b.DataType == DataType.Float32 ? b : Tensor.FromDoubles(DataType.Float32, b.Shape, b.ToDoubles());
        return Permute(f.Reshape([1, 1, b.Shape[0], b.Shape[1]]), [0, 1, 3, 2]).Reshape([b.Shape[1], b.Shape[0]]);
    }

    /// <summary>Transposes a 4-D f32 tensor: result dimension i is source dimension <paramref name="perm"/>[i].</summary>
    public static Tensor Permute(Tensor t, int[] perm)
    {
        var src = t.Floats;
        var shape = perm.Select(p => t.Shape[p]).ToArray();
        var ss = Tensor.Strides(t.Shape);
        var dst = new float[src.Length];
        int i = 0;
        for (int a = 0; a < shape[0]; a++)
        {
            for (int b = 0; b < shape[1]; b++)
            {
                for (int c = 0; c < shape[2]; c++)
                {
                    int baseOff = a * ss[perm[0]] + b * ss[perm[1]] + c * ss[perm[2]];
                    int step = ss[perm[3]];
                    for (int d = 0; d < shape[3]; d++)
                    {
                        dst[i++] = src[baseOff + d * step];
                    }
                }
            }
        }
        return Tensor.FromFloats(shape, dst);
    }
}
