using System.Text;
using System.Text.Json;
using Google.Protobuf;
using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;
using static WebDnn.Tests.Cli.CliErrorTests;

namespace WebDnn.Tests.Security;

/// <summary>
/// Generated code stays data-only: a model whose names, doc strings, attribute strings and dim_params carry script
/// injections, comment terminators, template syntax, U+2028, NUL and ESC compiles for every registered backend, and no
/// kernel file contains any of them (the manifest holds the input/output names as JSON strings, nothing else).
/// </summary>
public sealed class GeneratedCodeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string[] s_hostile =
        ["\"; alert(1); //", "*/ alert(2) /*", "</script><script>alert(3)</script>", "`${alert(4)}`", "p\u2028q", "n\0ul", "e\u001b[2Jsc"];

    /// <summary>Fragments that only a model string could put into a file.</summary>
    private static readonly string[] s_markers = ["alert(", "</script>", "${alert", "p\u2028q", "n\0ul", "\u001b[2J"];

    [Fact]
    public void Hostile_strings_never_reach_kernel_files()
    {
        string S(int i) => s_hostile[i % s_hostile.Length];
        var b = new OnnxBuilder();
        var model = ModelProto.Parser.ParseFrom(b.ToBytes());
        model.DocString = S(0);
        model.ProducerName = S(1);
        var g = model.Graph;
        g.Name = S(2);
        g.DocString = S(3);
        var input = OnnxBuilder.ValueInfo(S(0), 1, [1, 4]);
        input.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = S(5) };
        g.Input.Add(input);
        var w = new TensorProto { Name = S(4), DataType = 1, Dims = { 4 }, FloatData = { 1, 2, 3, 4 }, DocString = S(6) };
        g.Initializer.Add(w);
        var note = new AttributeProto { Name = "note", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(S(2)) };
        g.Node.Add(new NodeProto { OpType = "Add", Name = S(1), Input = { S(0), S(4) }, Output = { S(3) }, DocString = S(5) });
        g.Node.Add(new NodeProto { OpType = "Relu", Name = S(6), Input = { S(3) }, Output = { S(2) }, Attribute = { note } });
        g.Output.Add(OnnxBuilder.ValueInfo(S(2), 1, [1, 4]));
        var path = _dir.File("hostile.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        var outDir = _dir.File("pkg");
        var (code, _, err) = Run("compile", path, "-o", outDir, "--shape", $"{S(0)}=1,4");
        Assert.True(code == ExitCodes.Success, err);

        var files = Directory.GetFiles(outDir, "*", SearchOption.AllDirectories);
        Assert.Contains(files, f => Path.GetFileName(f).StartsWith("kernels", StringComparison.Ordinal));
        foreach (var file in files)
        {
            string name = Path.GetFileName(file);
            if (name == "model.json" || name.StartsWith("weights-", StringComparison.Ordinal))
            {
                continue;
            }
            // Latin-1 keeps one char per byte, so binary kernels (.wasm) are searched byte for byte too.
            string text = Encoding.Latin1.GetString(File.ReadAllBytes(file));
            string utf8 = Encoding.UTF8.GetString(File.ReadAllBytes(file));
            foreach (var m in s_markers.Where(m => !name.EndsWith(".wasm", StringComparison.Ordinal) || m.All(char.IsAscii) && !m.Contains('\0')))
            {
                Assert.False(text.Contains(m, StringComparison.Ordinal) || utf8.Contains(m, StringComparison.Ordinal), $"{name} contains model text {Display.Quote(m)}");
            }
        }
        // The manifest is valid JSON and carries the names as strings, exactly.
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "model.json")));
        Assert.Contains(S(0), manifest.RootElement.GetProperty("inputs")[0].GetProperty("name").GetString(), StringComparison.Ordinal);
    }
}
