
namespace WebDnn.Backends.Wasm.Encoding;

/// <summary>Value types of the binary format.</summary>
public enum ValType : byte
{
    I32 = 0x7F,
    I64 = 0x7E,
    F32 = 0x7D,
    F64 = 0x7C,
    V128 = 0x7B,
}

/// <summary>Section ids, in the order a module must list them.</summary>
public enum SectionId : byte
{
    Custom = 0,
    Type = 1,
    Import = 2,
    Function = 3,
    Table = 4,
    Memory = 5,
    Global = 6,
    Export = 7,
    Start = 8,
    Element = 9,
    Code = 10,
    Data = 11,
    DataCount = 12,
}

/// <summary>
/// Writes one WebAssembly module: function types (deduplicated), one imported memory (<c>env.memory</c>, optionally
/// shared), functions with their bodies, i32 globals, exports, and passive data segments (constant tables a kernel copies
/// into its scratch with <c>memory.init</c>). Function index 0 is the first function added (no
/// function imports), global index 0 the first global added. Names come from the backend only, never from a model.
/// </summary>
public sealed class ModuleWriter
{
    private readonly List<(ValType[] Params, ValType[] Results)> _types = [];
    private readonly List<(int Type, FunctionBody Body)> _functions = [];
    private readonly List<(string Name, byte Kind, int Index)> _exports = [];
    private readonly List<(bool Mutable, int Init)> _globals = [];
    private readonly List<byte[]> _data = [];

    /// <param name="minPages">Minimum size of the imported memory in 64 KiB pages.</param>
    /// <param name="maxPages">Maximum (required when shared).</param>
    /// <param name="shared">Import a shared memory (threads).</param>
    public ModuleWriter(uint minPages = 1, uint? maxPages = null, bool shared = false)
    {
        if (shared && maxPages is null)
        {
            throw new ArgumentException("a shared memory needs a maximum size", nameof(maxPages));
        }
        MinPages = minPages;
        MaxPages = maxPages;
        Shared = shared;
    }

    public uint MinPages { get; }

    public uint? MaxPages { get; }

    public bool Shared { get; }

    public int FunctionCount => _functions.Count;

    /// <summary>Features the module's instructions need (a relaxed-SIMD module validates only where relaxed SIMD ships).</summary>
    public IReadOnlySet<WasmFeature> Features => _functions.SelectMany(f => f.Body.Features).ToHashSet();

    /// <summary>Adds a function and returns its index (for <c>call</c> and exports).</summary>
    public int AddFunction(FunctionBody body)
    {
        int type = TypeIndex(body.Params, body.Results);
        _functions.Add((type, body));
        return _functions.Count - 1;
    }

    /// <summary>Index the next <see cref="AddFunction"/> returns (to call a function that is added later).</summary>
    public int NextFunctionIndex => _functions.Count;

    public void Export(string name, int function) => AddExport(name, 0x00, function);

    /// <summary>Adds an i32 global and returns its index (for <c>global.get</c> and <see cref="ExportGlobal"/>).</summary>
    public int AddGlobal(bool mutable, int init)
    {
        _globals.Add((mutable, init));
        return _globals.Count - 1;
    }

    /// <summary>Adds a passive data segment and returns its index (for <see cref="FunctionBody.MemoryInit"/>).</summary>
    public int AddPassiveData(byte[] bytes)
    {
        _data.Add(bytes);
        return _data.Count - 1;
    }

    /// <summary>Exports a global (a mutable one can be set from JavaScript through its <c>WebAssembly.Global</c>).</summary>
    public void ExportGlobal(string name, int global) => AddExport(name, 0x03, global);

    private void AddExport(string name, byte kind, int index)
    {
        if (_exports.Any(e => e.Name == name))
        {
            throw new InvalidOperationException($"export '{name}' added twice");
        }
        _exports.Add((name, kind, index));
    }

    private int TypeIndex(ValType[] ps, ValType[] rs)
    {
        for (int i = 0; i < _types.Count; i++)
        {
            if (_types[i].Params.AsSpan().SequenceEqual(ps) && _types[i].Results.AsSpan().SequenceEqual(rs))
            {
                return i;
            }
        }
        _types.Add((ps, rs));
        return _types.Count - 1;
    }

    /// <summary>The module's bytes.</summary>
    public byte[] ToBytes() => ToBytes(MaxPages, Shared);

    /// <summary>
    /// The same module importing a shared memory of at most <paramref name="maxPages"/> pages (what worker threads
    /// instantiate on one <c>SharedArrayBuffer</c>-backed memory); every other byte is the same as <see cref="ToBytes()"/>.
    /// </summary>
    public byte[] ToSharedBytes(uint maxPages) => ToBytes(maxPages, shared: true);

    private byte[] ToBytes(uint? maxPages, bool shared)
    {
        var o = new List<byte> { 0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00 };
        Section(o, SectionId.Type, s =>
        {
            Leb128.WriteU32(s, (uint)_types.Count);
            foreach (var (ps, rs) in _types)
            {
                s.Add(0x60);
                Vec(s, ps);
                Vec(s, rs);
            }
        });
        Section(o, SectionId.Import, s =>
        {
            Leb128.WriteU32(s, 1);
            Name(s, "env");
            Name(s, "memory");
            s.Add(0x02);   // memory import
            s.Add((byte)((maxPages is null ? 0 : 1) | (shared ? 2 : 0)));
            Leb128.WriteU32(s, MinPages);
            if (maxPages is { } max)
            {
                Leb128.WriteU32(s, max);
            }
        });
        Section(o, SectionId.Function, s =>
        {
            Leb128.WriteU32(s, (uint)_functions.Count);
            foreach (var (t, _) in _functions)
            {
                Leb128.WriteU32(s, (uint)t);
            }
        });
        if (_globals.Count > 0)
        {
            Section(o, SectionId.Global, s =>
            {
                Leb128.WriteU32(s, (uint)_globals.Count);
                foreach (var (mutable, init) in _globals)
                {
                    s.Add((byte)ValType.I32);
                    s.Add(mutable ? (byte)1 : (byte)0);
                    s.Add((byte)WasmOpcode.I32Const);
                    Leb128.WriteS32(s, init);
                    s.Add((byte)WasmOpcode.End);
                }
            });
        }
        Section(o, SectionId.Export, s =>
        {
            Leb128.WriteU32(s, (uint)_exports.Count);
            foreach (var (name, kind, index) in _exports)
            {
                Name(s, name);
                s.Add(kind);   // 0 function, 3 global
                Leb128.WriteU32(s, (uint)index);
            }
        });
        if (_data.Count > 0)
        {
            Section(o, SectionId.DataCount, s => Leb128.WriteU32(s, (uint)_data.Count));
        }
        Section(o, SectionId.Code, s =>
        {
            Leb128.WriteU32(s, (uint)_functions.Count);
            foreach (var (_, body) in _functions)
            {
                var code = body.Encode();
                Leb128.WriteU32(s, (uint)code.Count);
                s.AddRange(code);
            }
        });
        if (_data.Count > 0)
        {
            Section(o, SectionId.Data, s =>
            {
                Leb128.WriteU32(s, (uint)_data.Count);
                foreach (var bytes in _data)
                {
                    s.Add(0x01);   // passive
                    Leb128.WriteU32(s, (uint)bytes.Length);
                    s.AddRange(bytes);
                }
            });
        }
        return [.. o];
    }

    private static void Vec(List<byte> s, ValType[] types)
    {
        Leb128.WriteU32(s, (uint)types.Length);
        foreach (var t in types)
        {
            s.Add((byte)t);
        }
    }

    private static void Name(List<byte> s, string name)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
        Leb128.WriteU32(s, (uint)bytes.Length);
        s.AddRange(bytes);
    }

    private static void Section(List<byte> o, SectionId id, Action<List<byte>> write)
    {
        var s = new List<byte>();
        write(s);
        o.Add((byte)id);
        Leb128.WriteU32(o, (uint)s.Count);
        o.AddRange(s);
    }
}
