using System.Text;

namespace WebDnn.Backends.Common;

/// <summary>
/// Lines of generated source with brace-block indentation, shared by the text backends (js, WGSL). It only lays out
/// text the emitters build from numbers and their own identifiers; escaping stays the emitters' job.
/// </summary>
internal class IndentedText(int indent = 0)
{
    private readonly StringBuilder _sb = new();
    private int _indent = indent;

    public void Line(string s) => _sb.Append(' ', _indent * 2).Append(s).Append('\n');

    /// <summary>Writes <c>header {</c> and indents until the matching <see cref="Close"/>.</summary>
    public void Open(string header)
    {
        Line(header.Length == 0 ? "{" : header + " {");
        _indent++;
    }

    public void Close()
    {
        _indent--;
        Line("}");
    }

    public override string ToString() => _sb.ToString();
}
