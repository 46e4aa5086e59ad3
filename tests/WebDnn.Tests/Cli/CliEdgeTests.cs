using System.Formats.Tar;
using Google.Protobuf;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;
using WebDnn.Tooling;

namespace WebDnn.Tests.Cli;

/// <summary>The CLI edges of issue 11 (part 3) and `compile --pack`: each ends with the right exit code, early, saying what is wrong.</summary>
public sealed class CliEdgeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static (int Code, string Out, string Err) Run(params string[] args) => CliErrorTests.Run(args);

    internal static OnnxBuilder AddModel() => new OnnxBuilder()
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
        Assert.Contains(names, n => PackageWriter.LogicalName(n) == "kernels.js");
        Assert.Contains(names, n => n.StartsWith("weights-0.", StringComparison.Ordinal));
        Assert.Empty(Directory.GetDirectories(_dir.Path));
    }

    [Theory]
    [InlineData("webgpu,wasm,js", "--backend wasm (on a machine with a GPU: --backend webgpu)")]
    [InlineData("webgpu,js", "--backend js (on a machine with a GPU: --backend webgpu)")]
    [InlineData("webgpu", "--backend webgpu   or")]
    [InlineData("js", "--backend js   or")]
    public void Compile_suggests_the_cpu_backend_and_mentions_webgpu_for_gpus(string backends, string hint)
    {
        var model = AddModel().Save(_dir.File("m.onnx"));
        var (code, stdout, err) = Run("compile", model, "-o", _dir.File("pkg"), "--backends", backends);
        Assert.True(code == ExitCodes.Success, err);
        Assert.Contains($"try it: webdnn run {_dir.File("pkg")} {hint}", stdout, StringComparison.Ordinal);
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

    /// <summary>y = a + b with a, b f32[N, 4], N symbolic (shared).</summary>
    private static OnnxBuilder SymbolicModel() => new OnnxBuilder()
        .Input("a", 1, -1, 4)
        .Input("b", 1, -1, 4)
        .Node("Add", ["a", "b"], ["y"], "add0")
        .Output("y", 1, -1, 4);

    [Fact]
    public void An_unknown_shape_name_is_refused_before_any_pass()
    {
        var model = SymbolicModel().Save(_dir.File("s.onnx"));
        var (code, _, err) = Run("compile", model, "-o", _dir.File("out"), "--backends", "js", "--shape", "typo=1,4");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--shape typo: the model has no input and no symbolic dimension of that name; its inputs are 'a' f32[N,4], 'b' f32[N,4]", err, StringComparison.Ordinal);
        Assert.DoesNotContain("infer-shapes", err, StringComparison.Ordinal);
        (code, _, err) = Run("inspect", model, "--shape", "typo=1,4");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("no input and no symbolic dimension", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_shows_a_symbolic_model_and_says_which_shape_gives_kernels()
    {
        var model = SymbolicModel().Save(_dir.File("s.onnx"));
        var (code, stdout, err) = Run("inspect", model);
        Assert.True(code == ExitCodes.Success, err);
        Assert.Contains("Add", stdout, StringComparison.Ordinal);
        Assert.Contains("note: kernels, FLOPs and memory not shown: input(s) with symbolic dimensions need a size", err, StringComparison.Ordinal);
        Assert.Contains("--shape N=1", err, StringComparison.Ordinal);
        // With the size: kernels and memory, no note.
        (code, stdout, err) = Run("inspect", model, "--shape", "N=2", "--json");
        Assert.True(code == ExitCodes.Success, err);
        Assert.Contains("\"kernels\"", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("note:", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a=0,4", "'0' is not a valid dimension")]
    [InlineData("a=2,5", "dimension 1 is fixed to 4 in the model, not 5")]
    [InlineData("a=2", "the model's input has rank 2")]
    [InlineData("N=2,2", "'N' is a symbolic dimension; give one size")]
    public void Shape_mistakes_are_usage_errors_not_invalid_models(string shape, string message)
    {
        var model = SymbolicModel().Save(_dir.File("s.onnx"));
        var (code, _, err) = Run("compile", model, "-o", _dir.File("out"), "--backends", "js", "--shape", shape);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_shape_is_asked_for_before_any_pass()
    {
        var model = SymbolicModel().Save(_dir.File("s.onnx"));
        var (code, _, err) = Run("compile", model, "-o", _dir.File("out"), "--backends", "js");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("input(s) with symbolic dimensions need a size: 'a' f32[N,4] (dimensions N); 'b' f32[N,4] (dimensions N)", err, StringComparison.Ordinal);
        Assert.Contains("--shape N=1", err, StringComparison.Ordinal);
        Assert.DoesNotContain("infer-shapes", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_dir.File("out")));
    }

    [Theory]
    [InlineData("N=3")]
    [InlineData("a=3,4")] // a whole shape for one input sizes the symbol in the other
    public void A_symbolic_name_fixes_every_input_that_shares_it(string shape)
    {
        var model = SymbolicModel().Save(_dir.File("s.onnx"));
        var (code, _, err) = Run("compile", model, "-o", _dir.File("out"), "--backends", "js", "--shape", shape);
        Assert.True(code == ExitCodes.Success, err);
        var m = PackageWriter.ReadManifest(_dir.File("out"));
        Assert.All(m.Inputs, i => Assert.Equal([3, 4], i.Shape));
    }

    [Fact]
    public void A_non_package_output_folder_is_refused_before_the_model_is_read()
    {
        File.WriteAllText(_dir.File("garbage.onnx"), "not a model");
        Directory.CreateDirectory(_dir.File("busy"));
        File.WriteAllText(_dir.File("busy/notes.txt"), "mine");
        var (code, _, err) = Run("compile", _dir.File("garbage.onnx"), "-o", _dir.File("busy"), "--backends", "js");
        Assert.Equal(ExitCodes.Usage, code); // not 3: the model was not read yet
        Assert.Contains("exists and is not a model package", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspect_counts_weights_held_in_Constant_nodes()
    {
        var value = new TensorProto { DataType = 1 };
        value.Dims.AddRange([3, 4]);
        value.FloatData.AddRange(Enumerable.Range(0, 12).Select(i => (float)i));
        var model = new OnnxBuilder()
            .Input("x", 1, 3, 4)
            .Node("Constant", [], ["w"], "const0", "", new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = value })
            .Node("Add", ["x", "w"], ["y"], "add0")
            .Output("y", 1, 3, 4)
            .Save(_dir.File("c.onnx"));
        var (code, stdout, err) = Run("inspect", model);
        Assert.True(code == ExitCodes.Success, err);
        Assert.Contains("parameters 12 ", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_asks_for_symbolic_dimensions_like_compile()
    {
        var model = SymbolicModel().Save(_dir.File("s.onnx"));
        var (code, _, err) = Run("verify", model);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("need a size", err, StringComparison.Ordinal);
        (code, var stdout, err) = Run("verify", model, "--shape", "N=2");
        Assert.True(code == ExitCodes.Success, err + stdout);
    }

    [Fact]
    public void Verify_takes_input_files_and_input_ranges()
    {
        var model = SymbolicModel().Save(_dir.File("s.onnx"));
        string npy = _dir.File("a.npy");
        Npy.Write(npy, Tensor.FromFloats([2, 4], [0, 255, 128, 7, 1, 2, 3, 4]));
        var (code, stdout, err) = Run("verify", model, "--input", $"a={npy}", "--input-range", "b=pixels");
        Assert.True(code == ExitCodes.Success, err + stdout); // a's file sizes N = 2 for b too
        Assert.Contains("PASS", stdout, StringComparison.Ordinal);

        (code, _, err) = Run("verify", model, "--input", $"nope={npy}");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--input nope: the model has no such input; its inputs are 'a', 'b'", err, StringComparison.Ordinal);
        (code, _, err) = Run("verify", model, "--shape", "N=2", "--input-range", "huge");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("unknown range 'huge'; ranges: auto, symmetric, unit, pixels, tokens, ones, zeros", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_refuses_an_input_file_of_the_wrong_shape_before_starting_a_browser()
    {
        var model = AddModel().Save(_dir.File("m.onnx"));
        Assert.Equal(ExitCodes.Success, Run("compile", model, "-o", _dir.File("pkg"), "--backends", "js").Code);
        string npy = _dir.File("x.npy");
        Npy.Write(npy, Tensor.FromFloats([2, 2], [1, 2, 3, 4]));
        var (code, _, err) = Run("run", _dir.File("pkg"), "--input", $"x={npy}");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--input x: the file holds f32[2,2], the package expects f32[1,4]", err, StringComparison.Ordinal);
    }
}

/// <summary>The CLI edges that need a browser: `run` progress per run, run-time errors that name the input, node and index.</summary>
[Collection(Browser.BrowserTests.Name)]
public sealed class CliRunEdgeTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Run_reports_each_run()
    {
        var model = new OnnxBuilder().Input("x", 1, 1, 4).Node("Relu", ["x"], ["y"], "relu0").Output("y", 1, 1, 4).Save(_dir.File("m.onnx"));
        Assert.Equal(ExitCodes.Success, CliErrorTests.Run("compile", model, "-o", _dir.File("pkg"), "--backends", "js").Code);
        var (code, _, err) = CliErrorTests.Run("run", _dir.File("pkg"), "--runs", "3");
        Assert.True(code == ExitCodes.Success, err);
        Assert.Contains("first run done", err, StringComparison.Ordinal);
        foreach (var i in new[] { 1, 2, 3 })
        {
            Assert.Contains($"run {i}/3: ", err, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Run_on_a_corrupted_package_is_invalid_input_naming_the_file()
    {
        var model = CliEdgeTests.AddModel().Save(_dir.File("m.onnx"));
        Assert.Equal(ExitCodes.Success, CliErrorTests.Run("compile", model, "-o", _dir.File("pkg"), "--backends", "js").Code);
        var manifest = PackageWriter.ReadManifest(_dir.File("pkg"));
        string shard = Path.Combine(_dir.File("pkg"), manifest.Shards[0].File);
        var bytes = File.ReadAllBytes(shard);
        bytes[0] ^= 0x40;
        File.WriteAllBytes(shard, bytes);
        var (code, _, err) = CliErrorTests.Run("run", _dir.File("pkg"));
        Assert.True(code == ExitCodes.InvalidModel, err);
        Assert.Contains($"{manifest.Shards[0].File} is corrupted", err, StringComparison.Ordinal);

        // A truncated kernel file, shard repaired: also exit 3, naming the kernel file.
        bytes[0] ^= 0x40;
        File.WriteAllBytes(shard, bytes);
        var kernels = manifest.Backends["js"].Files[0].File;
        string kernelPath = Path.Combine(_dir.File("pkg"), kernels);
        File.WriteAllBytes(kernelPath, File.ReadAllBytes(kernelPath)[..10]);
        (code, _, err) = CliErrorTests.Run("run", _dir.File("pkg"));
        Assert.True(code == ExitCodes.InvalidModel, err);
        Assert.Contains($"kernel file {kernels} is truncated", err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_out_of_range_index_names_the_input_the_node_and_the_index()
    {
        var data = new TensorProto { Name = "table", DataType = 1 };
        data.Dims.AddRange([5, 2]);
        data.FloatData.AddRange(Enumerable.Range(0, 10).Select(i => (float)i));
        var model = new OnnxBuilder()
            .Input("ids", 7, 3)
            .RawInitializer(data)
            .Node("Gather", ["table", "ids"], ["y"], "embed")
            .Output("y", 1, 3, 2)
            .Save(_dir.File("g.onnx"));
        Assert.Equal(ExitCodes.Success, CliErrorTests.Run("compile", model, "-o", _dir.File("pkg"), "--backends", "js").Code);
        string npy = _dir.File("ids.npy");
        Npy.Write(npy, Tensor.FromLongs([3], [1, 99, 2]));
        var (code, _, err) = CliErrorTests.Run("run", _dir.File("pkg"), "--input", $"ids={npy}");
        // Refused at the runtime's input boundary (every backend, Runtime/IndexCheckTests): the caller's input, exit 2.
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("input 'ids'[1] = 99 is out of range [-5, 5) for gather from ONNX node 'embed'", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Failed to load resource", err, StringComparison.Ordinal);
    }
}
