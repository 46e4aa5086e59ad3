using System.Globalization;
using System.Text;
using WebDnn.Core.Kernels;

namespace WebDnn.Core.Text;

/// <summary>
/// Prints a <see cref="KernelProgram"/> one line per buffer and per kernel (<c>webdnn inspect --dump-after</c> for the
/// kernel-level passes). Kernel origins are ONNX node names: data from the model, printed with control characters escaped.
/// </summary>
public static class KernelProgramText
{
    public static string Print(KernelProgram p)
    {
        var sb = new StringBuilder();
        foreach (var io in p.Inputs)
        {
            sb.Append(CultureInfo.InvariantCulture, $"input  {io.KernelBuffer}  \"{Escape(io.Name)}\"\n");
        }
        foreach (var io in p.Outputs)
        {
            sb.Append(CultureInfo.InvariantCulture, $"output {io.KernelBuffer}  \"{Escape(io.Name)}\"\n");
        }
        int weights = p.Buffers.Count(b => b.Kind == BufferKind.Weight);
        sb.Append(CultureInfo.InvariantCulture, $"buffers {p.Buffers.Count} ({weights} weights)\n");
        for (int i = 0; i < p.Kernels.Count; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"k{i} {Line(p.Kernels[i])}\n");
        }
        return sb.ToString();
    }

    /// <summary>One kernel: primitive [algorithm, layout, weight form] inputs -> outputs  (origin).</summary>
    public static string Line(Kernel k)
    {
        var tags = new List<string> { k.Algorithm, k.Layout.Name() };
        if (k.WeightLayout is { } wl)
        {
            tags.Add("weights " + wl);
        }
        return $"{k.Primitive}[{string.Join(", ", tags)}] {string.Join(" ", k.Inputs.Select(b => b.ToString()))} -> {string.Join(" ", k.Outputs.Select(b => b.ToString()))}  ({Escape(k.Origin)})";
    }

    /// <summary>Model strings for a terminal: control characters (ESC, newlines, NUL, U+2028…) as \uXXXX (<see cref="Display.Escape"/>).</summary>
    public static string Escape(string s) => Display.Escape(s);
}
