using System.Globalization;
using System.Text;
using WebDnn.Backends.Common;
using WebDnn.Core;

namespace WebDnn.Backends.WebGpu;

/// <summary>How a kernel binds a buffer: read-only (weights) or read-write (arena: every arena binding of a dispatch
/// shares one GPU buffer, and WebGPU allows several writable bindings of one buffer but not writable beside read-only).</summary>
internal enum WgslAccess
{
    Read,
    ReadWrite,
}

/// <summary>
/// The text of one WGSL module. Kernel emitters never concatenate shader text themselves: storage bindings, constants,
/// private tables, workgroup arrays, functions and statements go through these methods, and every number through
/// <see cref="F32"/>/<see cref="I32"/>/<see cref="U32"/>. Identifiers are chosen by the emitters (x0, y0, acc, ...);
/// no string from the model ever reaches a module.
/// </summary>
internal sealed class WgslWriter
{
    private readonly StringBuilder _header = new();
    private readonly StringBuilder _decls = new();
    private readonly IndentedText _body = new();
    private readonly HashSet<string> _helpers = new(StringComparer.Ordinal);
    private int _binding;

    /// <summary>Declares the next storage binding (group 0) as <c>array&lt;elem&gt;</c>.</summary>
    public void Storage(string name, string elem, WgslAccess access)
    {
        string mode = access == WgslAccess.Read ? "read" : "read_write";
        _decls.Append(CultureInfo.InvariantCulture, $"@group(0) @binding({_binding++}) var<storage, {mode}> {name}: array<{elem}>;\n");
    }

    /// <summary>A module-scope constant.</summary>
    public void Const(string name, string type, string value) => _decls.Append(CultureInfo.InvariantCulture, $"const {name}: {type} = {value};\n");

    /// <summary>A module-scope table indexed at run time (a private array: value arrays may not be indexed dynamically everywhere).</summary>
    public void Table(string name, string elem, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            values = [elem == "f32" ? "0f" : "0"];
        }
        _decls.Append(CultureInfo.InvariantCulture, $"var<private> {name}: array<{elem}, {values.Count}> = array<{elem}, {values.Count}>({string.Join(", ", values)});\n");
    }

    public void Table(string name, IReadOnlyList<long> values) => Table(name, "i32", [.. values.Select(I32)]);

    public void Table(string name, IReadOnlyList<double> values) => Table(name, "f32", [.. values.Select(F32)]);

    /// <summary>A workgroup-shared array.</summary>
    public void Workgroup(string name, string elem, int count) => _decls.Append(CultureInfo.InvariantCulture, $"var<workgroup> {name}: array<{elem}, {count}>;\n");

    /// <summary>Adds a helper function once (by key); <paramref name="text"/> is fixed text of this backend.</summary>
    public void Helper(string key, string text)
    {
        if (_helpers.Add(key))
        {
            _header.Append(text.TrimEnd()).Append('\n');
        }
    }

    /// <summary>True the first time <paramref name="key"/> is seen (declarations shared by several helpers).</summary>
    public bool AddOnce(string key) => _helpers.Add("once:" + key);

    public void Line(string s) => _body.Line(s);

    /// <summary>Writes <c>header {</c> and indents until the matching <see cref="Close"/>.</summary>
    public void Open(string header) => _body.Open(header);

    public void Close() => _body.Close();

    /// <summary><c>for (var v = from; v &lt; to; v++) {</c> over i32.</summary>
    public void For(string v, long to, long from = 0) => Open($"for (var {v}: i32 = {I32(from)}; {v} < {I32(to)}; {v}++)");

    /// <summary>A function; <paramref name="signature"/> like <c>fn value(i: i32) -&gt; f32</c>.</summary>
    public void Function(string signature, Action body)
    {
        Open(signature);
        body();
        Close();
    }

    /// <summary>The compute entry point <c>main</c> with the given workgroup size; builtins lid, wid, nwg, gid.</summary>
    public void Main(int x, int y, int z, Action body)
    {
        Line($"@compute @workgroup_size({x}, {y}, {z})");
        Open("fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(global_invocation_id) gid: vec3<u32>)");
        body();
        Close();
    }

    public override string ToString() => $"{Prelude}\n{_header}{_decls}{_body}";

    /// <summary>An f32 value: a literal when finite in f32, else a runtime bit pattern (WGSL has no NaN/Inf literals and refuses them in constants).</summary>
    public static string F32(double v)
    {
        float f = (float)v;
        if (float.IsNaN(f))
        {
            return "bitcast<f32>(NAN_BITS)";
        }
        if (float.IsInfinity(f))
        {
            return f > 0 ? "bitcast<f32>(INF_BITS)" : "(-bitcast<f32>(INF_BITS))";
        }
        if (f == 0)
        {
            return float.IsNegative(f) ? "(-0f)" : "0f";
        }
        string s = f.ToString("R", CultureInfo.InvariantCulture);
        if (!s.Contains('.') && !s.Contains('E'))
        {
            s += ".0";
        }
        return f < 0 ? $"({s}f)" : $"{s}f";
    }

    /// <summary>An i32 literal (the most negative value spelled as an expression: its magnitude is no i32 literal).</summary>
    public static string I32(long v)
    {
        if (v < int.MinValue || v > int.MaxValue)
        {
            throw new UnsupportedModelException($"webgpu backend: value {v} does not fit 32-bit indexing");
        }
        if (v == int.MinValue)
        {
            return "(-2147483647i - 1i)";
        }
        string s = v.ToString(CultureInfo.InvariantCulture);
        return v < 0 ? $"({s}i)" : s + "i";
    }

    public static string U32(long v) => checked((uint)v).ToString(CultureInfo.InvariantCulture) + "u";

    /// <summary>Fixed declarations every module gets (the bit patterns F32 refers to).</summary>
    public const string Prelude = """
        var<private> NAN_BITS: u32 = 0x7fc00000u;
        var<private> INF_BITS: u32 = 0x7f800000u;
        """;
}
