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
    public static Graph Load(string path, Limits? limits = null)
    {
        if (Directory.Exists(path))
        {
            throw new UsageException($"{Display.Quote(path)} is a folder, not an ONNX model file");
        }
        if (!File.Exists(path))
        {
            throw new UsageException($"{Display.Quote(path)} does not exist; pass the path of an .onnx (or .onnx.gz) file");
        }
        if (new FileInfo(path).Length == 0)
        {
            // Also what a FIFO or device reports: refused before opening, so reading cannot block.
            throw new InvalidModelException($"{Display.Quote(Path.GetFileName(path))}: the file is empty (or not a regular file)");
        }
        var bytes = File.ReadAllBytes(path);
        return Load(bytes, Path.GetDirectoryName(Path.GetFullPath(path)), Path.GetFileName(path), limits);
    }

    /// <summary>Loads a model from bytes. <paramref name="baseDir"/> is where external data is looked up (null: none allowed).</summary>
    public static Graph Load(byte[] bytes, string? baseDir, string displayName = "model", Limits? limits = null)
    {
        limits ??= Limits.Default;
        displayName = Display.Escape(displayName);
        int length = bytes.Length;
        if (bytes.Length >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            (bytes, length) = Gunzip(bytes, displayName, limits.MaxDecompressedBytes);
        }
        if (length == 0)
        {
            throw new InvalidModelException($"{displayName}: the file is empty");
        }
        var model = new ModelProto();
        try
        {
            model.MergeFrom(new CodedInputStream(bytes, 0, length));
        }
        catch (InvalidProtocolBufferException e)
        {
            // The parser does not say where it stopped; a descriptor-driven walk of the wire format finds the spot.
            long at = WireScan.FirstError(bytes.AsSpan(0, length), ModelProto.Descriptor) ?? 0;
            throw new InvalidModelException($"{displayName}: not a valid ONNX protobuf (parsing failed near byte offset {at} of {length}: {e.Message}). The file may be truncated or not an ONNX model.", e);
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
        var functions = new Dictionary<(string, string), FunctionProto>();
        foreach (var f in model.Functions)
        {
            if (!functions.TryAdd((f.Domain, f.Name), f))
            {
                throw new InvalidModelException($"{displayName}: function {Display.Quote(f.Domain + "." + f.Name)} is defined twice");
            }
        }
        var g = new Graph { Name = model.Graph.Name };
        foreach (var kv in opsets)
        {
            g.Opsets[kv.Key] = kv.Value;
        }
        g.Metadata["producer"] = $"{model.ProducerName} {model.ProducerVersion}".Trim();
        g.Metadata["ir_version"] = model.IrVersion.ToString();
        g.Metadata["opset"] = onnxOpset.ToString();
        new Builder(g, new ImportState(baseDir, functions, limits), parent: null).Build(model.Graph);
        return g;
    }

    /// <summary>Decompresses into one buffer (returned with its used length), refusing past <paramref name="maxBytes"/> before growing.</summary>
    private static (byte[] Buffer, int Length) Gunzip(byte[] bytes, string name, long maxBytes)
    {
        try
        {
            using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            var buf = new byte[1 << 16];
            int read;
            while ((read = gz.Read(buf)) > 0)
            {
                if (ms.Length + read > maxBytes)
                {
                    throw Limits.Exceeded(nameof(Limits.MaxDecompressedBytes), maxBytes, $"{name}: the gzip data decompresses to more than {maxBytes:N0} bytes");
                }
                ms.Write(buf, 0, read);
            }
            return (ms.GetBuffer(), (int)ms.Length);
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

    /// <summary>What all graphs of one import share: the folder, the functions, the limits and the counts checked against them.</summary>
    private sealed class ImportState(string? baseDir, Dictionary<(string, string), FunctionProto> functions, Limits limits)
    {
        public string? BaseDir { get; } = baseDir;

        public Dictionary<(string, string), FunctionProto> Functions { get; } = functions;

        public Limits Limits { get; } = limits;

        /// <summary>Nodes created so far in all graphs (functions inlined).</summary>
        public int Nodes { get; set; }

        /// <summary>The function calls being inlined, outermost first (recursion and nesting depth).</summary>
        public List<FunctionProto> Calls { get; } = [];

        private readonly Dictionary<FunctionProto, long> _expansion = new(ReferenceEqualityComparer.Instance);

        /// <summary>
        /// How many nodes <paramref name="np"/> becomes once inlined (1 unless it calls a function), computed before
        /// anything is built: nested functions calling each other twice per level grow as 2^depth. Saturates far above
        /// <see cref="Limits.MaxNodes"/>; throws for recursion and for nesting deeper than <see cref="Limits.MaxFunctionDepth"/>.
        /// </summary>
        public long Expansion(NodeProto np) => Expansion(np, [], np);

        private long Expansion(NodeProto np, List<FunctionProto> path, NodeProto caller)
        {
            if (!Functions.TryGetValue((np.Domain, np.OpType), out var fn))
            {
                return 1;
            }
            if (_expansion.TryGetValue(fn, out long known))
            {
                return known;
            }
            string what = $"function {Display.Quote(fn.Domain + "." + fn.Name)} (reached from {caller.OpType} node {Display.Quote(caller.Name)})";
            if (path.Exists(f => ReferenceEquals(f, fn)))
            {
                throw new InvalidModelException($"{what} calls itself (through {string.Join(" → ", path.Append(fn).Select(f => Display.Quote(f.Name)))}); recursive functions cannot be inlined");
            }
            if (path.Count >= Limits.MaxFunctionDepth)
            {
                throw Limits.Exceeded(nameof(Limits.MaxFunctionDepth), Limits.MaxFunctionDepth, $"{what}: functions nest deeper");
            }
            path.Add(fn);
            long total = 0;
            foreach (var inner in fn.Node)
            {
                total = Math.Min(total + Expansion(inner, path, caller), long.MaxValue / 2);
            }
            path.RemoveAt(path.Count - 1);
            _expansion[fn] = total;
            return total;
        }
    }

    /// <summary>Builds one graph or subgraph; resolves names through the enclosing scopes.</summary>
    private sealed class Builder
    {
        private readonly Graph _g;
        private readonly ImportState _state;
        private readonly string? _baseDir;
        private readonly Dictionary<(string, string), FunctionProto> _functions;
        private readonly Builder? _parent;
        private readonly Dictionary<string, Value> _scope = new(StringComparer.Ordinal);
        private int _inlineCounter;

        public Builder(Graph g, ImportState state, Builder? parent)
        {
            _g = g;
            _state = state;
            _baseDir = state.BaseDir;
            _functions = state.Functions;
            _parent = parent;
        }

        public void Build(GraphProto gp)
        {
            long expanded = 0;
            foreach (var np in gp.Node)
            {
                expanded = Math.Min(expanded + _state.Expansion(np), long.MaxValue / 2);
            }
            if (_state.Nodes + expanded > _state.Limits.MaxNodes)
            {
                throw Limits.Exceeded(nameof(Limits.MaxNodes), _state.Limits.MaxNodes,
                    $"graph {Display.Quote(gp.Name)} has {gp.Node.Count:N0} nodes, {expanded:N0} once its function calls are inlined");
            }
            foreach (var init in gp.Initializer)
            {
                if (string.IsNullOrEmpty(init.Name))
                {
                    throw new InvalidModelException("an initializer has no name");
                }
                var t = TensorReader.Read(init, _baseDir, "initializer", _state.Limits);
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
                if (ToTensorType(vi.Type, $"value {Display.Quote(vi.Name)}") is { } tt)
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
                var type = ToTensorType(vi.Type, $"input {Display.Quote(vi.Name)}")
                    ?? throw new UnsupportedModelException($"input {Display.Quote(vi.Name)} is not a tensor (sequence/map/optional inputs are not supported)");
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
                var v = Resolve(vo.Name, null) ?? throw new InvalidModelException($"graph output {Display.Quote(vo.Name)} is not produced by any node, input or initializer");
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
                throw new InvalidModelException($"{what} {Display.Quote(name)} is defined twice (ONNX graphs must be in SSA form)");
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
            var limits = _state.Limits;
            if (np.Input.Count > limits.MaxInputsPerNode || np.Output.Count > limits.MaxInputsPerNode)
            {
                throw Limits.Exceeded(nameof(Limits.MaxInputsPerNode), limits.MaxInputsPerNode,
                    $"{np.OpType} node {Display.Quote(np.Name)} has {np.Input.Count} inputs and {np.Output.Count} outputs");
            }
            if (_functions.TryGetValue((np.Domain, np.OpType), out var fn))
            {
                Inline(np, fn);
                return;
            }
            if (++_state.Nodes > limits.MaxNodes)
            {
                throw Limits.Exceeded(nameof(Limits.MaxNodes), limits.MaxNodes, $"the model has more nodes (functions inlined) when it reaches {np.OpType} node {Display.Quote(np.Name)}");
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
                inputs.Add(Resolve(inName, node) ?? throw new InvalidModelException($"{node.Describe()} reads {Display.Quote(inName)}, which no node, input or initializer defines"));
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
            string what = $"{node.Describe()} attribute {Display.Quote(ap.Name)}";
            return ap.Type switch
            {
                AttributeProto.Types.AttributeType.Float => Attr.Float(ap.Name, ap.F),
                AttributeProto.Types.AttributeType.Int => Attr.Int(ap.Name, ap.I),
                AttributeProto.Types.AttributeType.String => Attr.Str(ap.Name, ap.S.ToStringUtf8()),
                AttributeProto.Types.AttributeType.Floats => Attr.FloatList(ap.Name, [.. ap.Floats]),
                AttributeProto.Types.AttributeType.Ints => Attr.IntList(ap.Name, [.. ap.Ints]),
                AttributeProto.Types.AttributeType.Strings => new Attr(ap.Name, AttributeKind.Strings) { Strings = ap.Strings.Select(s => s.ToStringUtf8()).ToArray() },
                AttributeProto.Types.AttributeType.Tensor => Attr.Tens(ap.Name, TensorReader.Read(ap.T ?? throw Missing(what, "TENSOR", "t"), _baseDir, what, _state.Limits)),
                AttributeProto.Types.AttributeType.Tensors => new Attr(ap.Name, AttributeKind.Tensors) { Tensors = ap.Tensors.Select(t => TensorReader.Read(t, _baseDir, what, _state.Limits)).ToArray() },
                AttributeProto.Types.AttributeType.Graph => new Attr(ap.Name, AttributeKind.Graph) { G = Subgraph(ap.G ?? throw Missing(what, "GRAPH", "g")) },
                AttributeProto.Types.AttributeType.Graphs => new Attr(ap.Name, AttributeKind.Graphs) { Graphs = ap.Graphs.Select(Subgraph).ToArray() },
                AttributeProto.Types.AttributeType.Undefined => InferKind(ap, node),
                _ => throw new UnsupportedModelException($"{what} has type {ap.Type}, which is not supported"),
            };
        }

        private static InvalidModelException Missing(string what, string type, string field) =>
            new($"{what} has type {type} but no value (field {Display.Quote(field)} is not set)");

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
                return Attr.Tens(ap.Name, TensorReader.Read(ap.T, _baseDir, node.Describe(), _state.Limits));
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
            new Builder(sub, _state, this).Build(gp);
            return sub;
        }

        /// <summary>Inlines a model-local function call (the dynamo exporter emits these).</summary>
        private void Inline(NodeProto call, FunctionProto fn)
        {
            string what = $"call of function {Display.Quote(fn.Domain + "." + fn.Name)} by {call.OpType} node {Display.Quote(call.Name)}";
            if (_state.Calls.Exists(f => ReferenceEquals(f, fn)))
            {
                throw new InvalidModelException($"{what}: the function calls itself (through {string.Join(" → ", _state.Calls.Select(f => Display.Quote(f.Name)))}); recursive functions cannot be inlined");
            }
            if (_state.Calls.Count >= _state.Limits.MaxFunctionDepth)
            {
                throw Limits.Exceeded(nameof(Limits.MaxFunctionDepth), _state.Limits.MaxFunctionDepth, $"{what}: functions nest deeper");
            }
            _state.Calls.Add(fn);
            try
            {
                InlineBody(call, fn);
            }
            finally
            {
                _state.Calls.RemoveAt(_state.Calls.Count - 1);
            }
        }

        private void InlineBody(NodeProto call, FunctionProto fn)
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
            var attrs = new Dictionary<string, AttributeProto>(StringComparer.Ordinal);
            foreach (var a in call.Attribute)
            {
                if (!attrs.TryAdd(a.Name, a))
                {
                    throw new InvalidModelException($"{call.OpType} node {Display.Quote(call.Name)} sets attribute {Display.Quote(a.Name)} twice");
                }
            }
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
