
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
/// shared), functions with their bodies, and exports. Function index 0 is the first function added (no function
/// imports). Names come from the backend only, never from a model.
/// </summary>
public sealed class ModuleWriter
{
    private readonly List<(ValType[] Params, ValType[] Results)> _types = [];
    private readonly List<(int Type, FunctionBody Body)> _functions = [];
    private readonly List<(string Name, int Function)> _exports = [];

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

    public void Export(string name, int function)
    {
        if (_exports.Any(e => e.Name == name))
        {
            throw new InvalidOperationException($"export '{name}' added twice");
        }
        _exports.Add((name, function));
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
    public byte[] ToBytes()
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
            s.Add((byte)((MaxPages is null ? 0 : 1) | (Shared ? 2 : 0)));
            Leb128.WriteU32(s, MinPages);
            if (MaxPages is { } max)
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
        Section(o, SectionId.Export, s =>
        {
            Leb128.WriteU32(s, (uint)_exports.Count);
            foreach (var (name, f) in _exports)
            {
                Name(s, name);
                s.Add(0x00);   // function export
                Leb128.WriteU32(s, (uint)f);
            }
        });
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
