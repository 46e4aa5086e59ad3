using System.Globalization;
using System.Text;

namespace WebDnn.Core;

/// <summary>
/// Makes untrusted strings (names, doc strings from a model) safe to print on a terminal: control characters (ESC
/// sequences, newlines that would fake output lines, NUL), the Unicode line/paragraph separators and the bidi controls
/// that reorder what a terminal shows become visible escapes such as <c>\u001b</c>.
/// </summary>
public static class Display
{
    /// <summary><paramref name="s"/> with every such character written as \uXXXX; unchanged when it has none.</summary>
    public static string Escape(string s)
    {
        if (!HasControl(s))
        {
            return s;
        }
        var sb = new StringBuilder(s.Length + 8);
        foreach (char c in s)
        {
            if (IsUnsafe(c))
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }

    /// <summary>Like <see cref="Escape"/> but keeps line feeds: for whole messages whose own lines are meant.</summary>
    public static string EscapeLines(string s) => string.Join('\n', s.Split('\n').Select(Escape));

    /// <summary><paramref name="s"/> escaped and in single quotes, for messages.</summary>
    public static string Quote(string s) => $"'{Escape(s)}'";

    /// <summary>True when <see cref="Escape"/> would change <paramref name="s"/>.</summary>
    public static bool HasControl(string s)
    {
        foreach (char c in s)
        {
            if (IsUnsafe(c))
            {
                return true;
            }
        }
        return false;
    }

    // C0/C1 controls and DEL (char.IsControl), line/paragraph separators, bidi embeddings, overrides and isolates.
    private static bool IsUnsafe(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
}
