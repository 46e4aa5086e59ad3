using System.Formats.Tar;
using WebDnn.Core;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Cli;

/// <summary>The CLI edges of issue 11 (part 3) and `compile --pack`: each ends with the right exit code, early, saying what is wrong.</summary>
public sealed class CliEdgeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args) => CliErrorTests.Run(args);

    private static OnnxBuilder AddModel() => new OnnxBuilder()
        .Input("x", 1, 1, 4)
        .Initializer("w", [1, 4], [1, 2, 3, 4])
        .Node("Add", ["x", "w"], ["y"], "add0")
        .Output("y", 1, 1, 4);

    [Fact]
    public void Compile_pack_writes_one_tar_with_model_json_first()
    {
        var model = AddModel().Save(_dir.File("m.onnx"));
        string tar = _dir.File("m.tar");
        var (code, stdout, err) = Run("compile", model, "-o", tar, "--backends", "js", "--pack");
        Assert.True(code == ExitCodes.Success, err);
        Assert.Contains("a packed package", stdout, StringComparison.Ordinal);
        using var s = File.OpenRead(tar);
        using var reader = new TarReader(s);
        var names = new List<string>();
        while (reader.GetNextEntry() is { } e)
        {
            names.Add(e.Name);
        }
        Assert.Equal("model.json", names[0]);
        Assert.Contains("kernels.js", names);
        Assert.Contains(names, n => n.StartsWith("weights-0.", StringComparison.Ordinal));
        Assert.Empty(Directory.GetDirectories(_dir.Path));
    }

    [Fact]
    public void Compile_pack_onto_a_folder_is_a_usage_error()
    {
        var model = AddModel().Save(_dir.File("m.onnx"));
        Directory.CreateDirectory(_dir.File("out"));
        var (code, _, err) = Run("compile", model, "-o", _dir.File("out"), "--backends", "js", "--pack");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("is a folder; --pack writes one file", err, StringComparison.Ordinal);
    }
}
