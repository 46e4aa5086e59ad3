using System.Globalization;
using WebDnn.Backends.Common;

namespace WebDnn.Backends.Js;

/// <summary>
/// Indented JavaScript text builder. Only numbers (through <see cref="Num"/>/<see cref="Int"/>) and identifiers chosen by
/// the kernel emitters ever go into it: no string from the model reaches generated code.
/// </summary>
internal sealed class JsCode(int indent = 0) : IndentedText(indent)
{

    /// <summary><c>for (let v = from; v &lt; to; v++) {</c></summary>
    public void For(string v, long to, long from = 0) => Open($"for (let {v} = {Int(from)}; {v} < {Int(to)}; {v}++)");

    /// <summary>A JS numeric literal that round-trips <paramref name="v"/> exactly (NaN and infinities included).</summary>
    public static string Num(double v)
    {
        if (double.IsNaN(v))
        {
            return "NaN";
        }
        if (double.IsInfinity(v))
        {
            return v > 0 ? "Infinity" : "(-Infinity)";
        }
        if (v == 0 && double.IsNegative(v))
        {
            return "(-0)";
        }
        string s = v.ToString("R", CultureInfo.InvariantCulture);
        return v < 0 ? $"({s})" : s;
    }

    public static string Int(long v) => v < 0 ? $"({v.ToString(CultureInfo.InvariantCulture)})" : v.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>a + b*k</c>, simplified for literal zero/one.</summary>
    public static string Axpy(string a, string b, long k)
    {
        string term = k == 0 ? "" : k == 1 ? b : $"{b} * {Int(k)}";
        if (term.Length == 0)
        {
            return a;
        }
        return a == "0" ? term : $"{a} + {term}";
    }

    /// <summary>Σ coords[i]*strides[i] + offset as a JS expression ("0" when everything is zero).</summary>
    public static string Dot(IReadOnlyList<string> coords, IReadOnlyList<long> strides, long offset = 0)
    {
        string e = offset == 0 ? "0" : Int(offset);
        for (int i = 0; i < coords.Count; i++)
        {
            e = Axpy(e, coords[i], strides[i]);
        }
        return e;
    }
}
