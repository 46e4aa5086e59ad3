using System.IO.Compression;
using Google.Protobuf;
using WebDnn.Core;
using WebDnn.Onnx.Protos;

namespace WebDnn.Onnx;

/// <summary>
/// Reads an ONNX model (protobuf, optionally gzip-compressed) into a <see cref="Graph"/>. Accepts IR versions 3–13
/// and ai.onnx opsets 7–23; initializers inline or as external data (inside the model's folder only); initializers
/// listed as graph inputs become constants; model-local functions are inlined; subgraphs (If/Loop/Scan) keep
/// outer-scope references in <see cref="Graph.OuterRefs"/>. All errors are <see cref="WebDnnException"/>s with a
/// message naming the node, value or byte offset.
/// </summary>
public static class OnnxImporter
{
    public const int MinIrVersion = 3;
    public const int MaxIrVersion = 13;
    public const int MinOpset = 7;
    public const int MaxOpset = 23;

    /// <summary>Loads a model file (.onnx or .onnx.gz).</summary>
    public static Graph Load(string path)
    {
        if (Directory.Exists(path))
        {
            throw new UsageException($"'{path}' is a folder, not an ONNX model file");
        }
        if (!File.Exists(path))
        {
            throw new UsageException($"'{path}' does not exist; pass the path of an .onnx (or .onnx.gz) file");
        }
        var bytes = File.ReadAllBytes(path);
        return Load(bytes, Path.GetDirectoryName(Path.GetFullPath(path)), Path.GetFileName(path));
    }

    /// <summary>Loads a model from bytes. <paramref name="baseDir"/> is where external data is looked up (null: none allowed).</summary>
    public static Graph Load(byte[] bytes, string? baseDir, string displayName = "model")
    {
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            bytes = Gunzip(bytes, displayName);
        }
        if (bytes.Length == 0)
        {
            throw new InvalidModelException($"{displayName}: the file is empty");
        }
        var model = new ModelProto();
        var input = new CodedInputStream(bytes);
        try
        {
            model.MergeFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidModelException($"{displayName}: not a valid ONNX protobuf (parsing failed near byte offset {input.Position} of {bytes.Length}: {e.Message}). The file may be truncated or not an ONNX model.", e);
        }
        if (model.Graph is null || model.IrVersion == 0 || (model.Graph.Node.Count == 0 && model.Graph.Output.Count == 0))
        {
            throw new InvalidModelException($"{displayName}: this is a protobuf message but not an ONNX model (no ir_version or no graph)");
        }
        if (model.IrVersion < MinIrVersion || model.IrVersion > MaxIrVersion)
        {
            throw new UnsupportedModelException($"{displayName}: ONNX IR version {model.IrVersion} is not supported (supported: {MinIrVersion}–{MaxIrVersion}); re-export with a matching onnx version");
        }
        var opsets = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var o in model.OpsetImport)
        {
            opsets[o.Domain == "ai.onnx" ? "" : o.Domain] = (int)Math.Clamp(o.Version, 0, int.MaxValue);
        }
        if (!opsets.TryGetValue("", out int onnxOpset))
        {
            // IR v3 models without an opset import default to opset 1 semantics, which we do not implement.
            throw new UnsupportedModelException($"{displayName}: the model imports no ai.onnx opset; supported are opsets {MinOpset}–{MaxOpset}");
        }
        if (onnxOpset < MinOpset || onnxOpset > MaxOpset)
        {
            throw new UnsupportedModelException($"{displayName}: ai.onnx opset {onnxOpset} is not supported (supported: {MinOpset}–{MaxOpset}); convert the model with onnx.version_converter");
        }
        var functions = model.Functions.ToDictionary(f => (f.Domain, f.Name));
        var g = new Graph { Name = model.Graph.Name };
        foreach (var kv in opsets)
        {
            g.Opsets[kv.Key] = kv.Value;
        }
        g.Metadata["producer"] = $"{model.ProducerName} {model.ProducerVersion}".Trim();
        g.Metadata["ir_version"] = model.IrVersion.ToString();
        g.Metadata["opset"] = onnxOpset.ToString();
        new Builder(g, baseDir, functions, parent: null).Build(model.Graph);
        return g;
    }

    private static byte[] Gunzip(byte[] bytes, string name)
    {
        try
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            // Bound decompressed size: a gzip bomb must not exhaust memory.
            var buf = new byte[1 << 20];
            int read;
            while ((read = gz.Read(buf)) > 0)
            {
                ms.Write(buf, 0, read);
                if (ms.Length > (4L << 30) - (1 << 20))
                {
                    throw new InvalidModelException($"{name}: decompresses to more than 4 GiB; refusing");
                }
            }
            return ms.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidModelException($"{name}: gzip data is corrupt or truncated ({e.Message})", e);
        }
    }

    /// <summary>Converts one ValueInfo type to a <see cref="TensorType"/>; null when it is not a tensor.</summary>
    internal static TensorType? ToTensorType(TypeProto? t, string what)
    {
        if (t?.TensorType is not { } tt)
        {
            return null;
        }
        if (!Enum.IsDefined(typeof(DataType), tt.ElemType) || tt.ElemType == 0)
        {
            throw new UnsupportedModelException($"{what} has element type {tt.ElemType} ({TensorReader.TypeName(tt.ElemType)}), which is not supported");
        }
        Dim[]? shape = null;
        if (tt.Shape is not null)
        {
            shape = tt.Shape.Dim.Select(d => d.ValueCase switch
            {
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue when d.DimValue >= 0 => Dim.Of(d.DimValue),
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => throw new InvalidModelException($"{what} has negative dimension {d.DimValue}"),
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => Dim.Sym(d.DimParam),
                _ => Dim.Unknown,
            }).ToArray();
        }
        return new TensorType((DataType)tt.ElemType, shape);
    }

    /// <summary>Builds one graph or subgraph; resolves names through the enclosing scopes.</summary>
    private sealed class Builder
    {
        private readonly Graph _g;
        private readonly string? _baseDir;
        private readonly Dictionary<(string, string), FunctionProto> _functions;
        private readonly Builder? _parent;
        private readonly Dictionary<string, Value> _scope = new(StringComparer.Ordinal);
        private int _inlineCounter;

        public Builder(Graph g, string? baseDir, Dictionary<(string, string), FunctionProto> functions, Builder? parent)
        {
            _g = g;
            _baseDir = baseDir;
            _functions = functions;
            _parent = parent;
        }

        public void Build(GraphProto gp)
        {
            foreach (var init in gp.Initializer)
            {
                if (string.IsNullOrEmpty(init.Name))
                {
                    throw new InvalidModelException("an initializer has no name");
                }
                var t = TensorReader.Read(init, _baseDir, "initializer");
                _g.ReserveName(init.Name);
                _scope[init.Name] = new Value(init.Name, t.Type, t);
            }
            if (gp.SparseInitializer.Count > 0)
            {
                throw new UnsupportedModelException($"sparse initializers ('{gp.SparseInitializer[0].Values?.Name}') are not supported");
            }
            var hints = new Dictionary<string, TensorType>(StringComparer.Ordinal);
            foreach (var vi in gp.ValueInfo.Concat(gp.Output))
            {
                if (ToTensorType(vi.Type, $"value '{vi.Name}'") is { } tt)
                {
                    hints[vi.Name] = tt;
                }
            }
            foreach (var vi in gp.Input)
            {
                if (_scope.TryGetValue(vi.Name, out var init))
                {
                    // An initializer that is also an input: a default value. For inference it is a constant.
                    continue;
                }
                var type = ToTensorType(vi.Type, $"input '{vi.Name}'")
                    ?? throw new UnsupportedModelException($"input '{vi.Name}' is not a tensor (sequence/map/optional inputs are not supported)");
                var v = new Value(vi.Name, type);
                _g.ReserveName(vi.Name);
                Define(vi.Name, v, "graph input");
                _g.Inputs.Add(v);
            }
            foreach (var np in gp.Node)
            {
                AddNode(np, null);
            }
            foreach (var vo in gp.Output)
            {
                var v = Resolve(vo.Name, null) ?? throw new InvalidModelException($"graph output '{vo.Name}' is not produced by any node, input or initializer");
                if (v.Type is null && hints.TryGetValue(vo.Name, out var h))
                {
                    v.Type = h;
                }
                _g.Outputs.Add(v);
            }
            foreach (var (name, hint) in hints)
            {
                if (_scope.TryGetValue(name, out var v) && v.Type is null)
                {
                    v.Type = hint;
                }
            }
            try
            {
                _g.TopoSort();
            }
            catch (InvalidModelException)
            {
                throw;
            }
        }

        private void Define(string name, Value v, string what)
        {
            if (_scope.ContainsKey(name))
            {
                throw new InvalidModelException($"{what} '{name}' is defined twice (ONNX graphs must be in SSA form)");
            }
            _scope[name] = v;
        }

        private Value? Resolve(string name, Node? user)
        {
            if (_scope.TryGetValue(name, out var v))
            {
                return v;
            }
            if (_parent?.Resolve(name, null) is { } outer)
            {
                // Outer-scope reference from a subgraph: a local stand-in bound at run time.
                var inner = new Value(name, outer.Type, outer.Const);
                _g.OuterRefs[inner] = outer;
                _scope[name] = inner;
                return inner;
            }
            return null;
        }

        private void AddNode(NodeProto np, Dictionary<string, string>? rename)
        {
            string domain = np.Domain == "ai.onnx" ? "" : np.Domain;
            if (_functions.TryGetValue((np.Domain, np.OpType), out var fn))
            {
                Inline(np, fn);
                return;
            }
            string name = string.IsNullOrEmpty(np.Name) ? _g.UniqueName(np.OpType) : np.Name;
            var node = new Node(np.OpType, name, domain)
            {
                Opset = _g.Opsets.TryGetValue(domain, out var ver) ? ver : (domain.Length == 0 ? 0 : 1),
            };
            foreach (var ap in np.Attribute)
            {
                node.SetAttribute(ToAttr(ap, node));
            }
            var inputs = new List<Value?>();
            foreach (var inName in np.Input)
            {
                if (inName.Length == 0)
                {
                    inputs.Add(null);
                    continue;
                }
                inputs.Add(Resolve(inName, node) ?? throw new InvalidModelException($"{node.Describe()} reads '{inName}', which no node, input or initializer defines"));
            }
            var outputs = new List<Value>();
            foreach (var outName in np.Output)
            {
                if (outName.Length == 0)
                {
                    outputs.Add(new Value(_g.UniqueName($"{name}_unused")));
                    continue;
                }
                var v = new Value(outName);
                _g.ReserveName(outName);
                Define(outName, v, $"output of {node.Describe()}:");
                outputs.Add(v);
            }
            _g.AddNode(node, inputs, outputs);
            foreach (var a in node.Attributes.Values)
            {
                foreach (var sub in a.G is null ? a.Graphs : [a.G, .. a.Graphs])
                {
                    foreach (var outer in sub.OuterRefs.Values)
                    {
                        // The node keeps the outer value alive; values of enclosing scopes resolve via our own scope.
                        if (_scope.ContainsValue(outer) || outer.Const is not null)
                        {
                            Graph.AddImplicitInput(node, outer);
                        }
                    }
                }
            }
        }

        private Attr ToAttr(AttributeProto ap, Node node)
        {
            string what = $"{node.Describe()} attribute '{ap.Name}'";
            return ap.Type switch
            {
                AttributeProto.Types.AttributeType.Float => Attr.Float(ap.Name, ap.F),
                AttributeProto.Types.AttributeType.Int => Attr.Int(ap.Name, ap.I),
                AttributeProto.Types.AttributeType.String => Attr.Str(ap.Name, ap.S.ToStringUtf8()),
                AttributeProto.Types.AttributeType.Floats => Attr.FloatList(ap.Name, [.. ap.Floats]),
                AttributeProto.Types.AttributeType.Ints => Attr.IntList(ap.Name, [.. ap.Ints]),
                AttributeProto.Types.AttributeType.Strings => new Attr(ap.Name, AttributeKind.Strings) { Strings = ap.Strings.Select(s => s.ToStringUtf8()).ToArray() },
                AttributeProto.Types.AttributeType.Tensor => Attr.Tens(ap.Name, TensorReader.Read(ap.T, _baseDir, what)),
                AttributeProto.Types.AttributeType.Tensors => new Attr(ap.Name, AttributeKind.Tensors) { Tensors = ap.Tensors.Select(t => TensorReader.Read(t, _baseDir, what)).ToArray() },
                AttributeProto.Types.AttributeType.Graph => new Attr(ap.Name, AttributeKind.Graph) { G = Subgraph(ap.G) },
                AttributeProto.Types.AttributeType.Graphs => new Attr(ap.Name, AttributeKind.Graphs) { Graphs = ap.Graphs.Select(Subgraph).ToArray() },
                AttributeProto.Types.AttributeType.Undefined => InferKind(ap, node),
                _ => throw new UnsupportedModelException($"{what} has type {ap.Type}, which is not supported"),
            };
        }

        // IR v3 models sometimes omit the attribute type; infer it from which field is set.
        private Attr InferKind(AttributeProto ap, Node node)
        {
            if (ap.Ints.Count > 0)
            {
                return Attr.IntList(ap.Name, [.. ap.Ints]);
            }
            if (ap.Floats.Count > 0)
            {
                return Attr.FloatList(ap.Name, [.. ap.Floats]);
            }
            if (!ap.S.IsEmpty)
            {
                return Attr.Str(ap.Name, ap.S.ToStringUtf8());
            }
            if (ap.T is not null)
            {
                return Attr.Tens(ap.Name, TensorReader.Read(ap.T, _baseDir, node.Describe()));
            }
            if (ap.F != 0)
            {
                return Attr.Float(ap.Name, ap.F);
            }
            return Attr.Int(ap.Name, ap.I);
        }

        private Graph Subgraph(GraphProto gp)
        {
            var sub = new Graph { Name = gp.Name };
            foreach (var kv in _g.Opsets)
            {
                sub.Opsets[kv.Key] = kv.Value;
            }
            new Builder(sub, _baseDir, _functions, this).Build(gp);
            return sub;
        }

        /// <summary>Inlines a model-local function call (the dynamo exporter emits these).</summary>
        private void Inline(NodeProto call, FunctionProto fn)
        {
            string prefix = $"{(string.IsNullOrEmpty(call.Name) ? fn.Name : call.Name)}/inl{_inlineCounter++}/";
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < fn.Input.Count; i++)
            {
                map[fn.Input[i]] = i < call.Input.Count ? call.Input[i] : "";
            }
            for (int i = 0; i < fn.Output.Count; i++)
            {
                map[fn.Output[i]] = i < call.Output.Count ? call.Output[i] : "";
            }
            var attrs = call.Attribute.ToDictionary(a => a.Name);
            foreach (var def in fn.AttributeProto)
            {
                attrs.TryAdd(def.Name, def);
            }
            foreach (var np in fn.Node)
            {
                var copy = np.Clone();
                copy.Name = prefix + np.Name;
                copy.Input.Clear();
                copy.Input.AddRange(np.Input.Select(n => n.Length == 0 ? n : map.TryGetValue(n, out var m) ? m : prefix + n));
                copy.Output.Clear();
                copy.Output.AddRange(np.Output.Select(n => n.Length == 0 ? n : map.TryGetValue(n, out var m) ? m : prefix + n));
                copy.Attribute.Clear();
                foreach (var a in np.Attribute)
                {
                    if (!string.IsNullOrEmpty(a.RefAttrName))
                    {
                        if (attrs.TryGetValue(a.RefAttrName, out var actual))
                        {
                            var c = actual.Clone();
                            c.Name = a.Name;
                            copy.Attribute.Add(c);
                        }
                    }
                    else
                    {
                        copy.Attribute.Add(a);
                    }
                }
                AddNode(copy, null);
            }
        }
    }
}
