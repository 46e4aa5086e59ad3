using Google.Protobuf;
using WebDnn.Cli;
using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Cli;

/// <summary>Bad input never crashes: each case ends with the documented exit code and a message that says what is wrong.</summary>
public sealed class CliErrorTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static OnnxBuilder ReluModel() => new OnnxBuilder()
        .Input("x", 1, 1, 4)
        .Initializer("w", [1, 4], [1, 2, 3, 4])
        .Node("Add", ["x", "w"], ["s"], "add0")
        .Node("Relu", ["s"], ["y"], "relu0")
        .Output("y", 1, 1, 4);

    [Fact]
    public void Valid_model_inspects_with_exit_code_0()
    {
        var path = ReluModel().Save(_dir.File("ok.onnx"));
        var (code, stdout, _) = Run("inspect", path);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("Relu", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_a_usage_error()
    {
        var (code, _, err) = Run("inspect", _dir.File("nope.onnx"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("does not exist", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_is_not_a_model()
    {
        var (code, _, err) = Run("inspect", _dir.Path);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("is a folder", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_option_is_a_usage_error()
    {
        var (code, _, err) = Run("inspect", "--no-such-flag");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("error:", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_protobuf_names_the_byte_offset()
    {
        var bytes = ReluModel().ToBytes();
        var path = _dir.File("truncated.onnx");
        int cut = bytes.Length / 2;
        File.WriteAllBytes(path, bytes[..cut]);
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        // The design promises the byte offset: a number inside the truncated file, and the file's length.
        var m = System.Text.RegularExpressions.Regex.Match(err, @"byte offset (\d+) of (\d+)");
        Assert.True(m.Success, err);
        Assert.Equal(cut, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.InRange(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 0, cut);
    }

    [Theory]
    [InlineData("text", "this is a text file, not a model\n", "this is a protobuf message but not an ONNX model")]
    [InlineData("png", "\u0089PNG\r\n\u001a\n\0\0\0\rIHDR", "not a valid ONNX protobuf")]
    [InlineData("empty", "", "the file is empty")]
    public void Non_onnx_files_are_invalid_models(string name, string content, string says)
    {
        var path = _dir.File(name + ".onnx");
        File.WriteAllText(path, content);
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        Assert.Contains($"{name}.onnx", err, StringComparison.Ordinal);
        Assert.Contains(says, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_operators_are_all_listed_with_node_names_and_opset()
    {
        var path = new OnnxBuilder()
            .Opset("com.example", 1)
            .Input("x", 1, 1, 4)
            .Node("FancyOp", ["x"], ["a"], "fancy_1", "com.example")
            .Node("Relu", ["a"], ["b"], "relu")
            .Node("OtherOp", ["b"], ["y"], "other_7")
            .Output("y", 1, 1, 4)
            .Save(_dir.File("unknown.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.Unsupported, code);
        Assert.Contains("FancyOp", err, StringComparison.Ordinal);
        Assert.Contains("fancy_1", err, StringComparison.Ordinal);
        Assert.Contains("OtherOp (opset 17)", err, StringComparison.Ordinal);
        Assert.Contains("other_7", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(99)]
    public void Unsupported_opset_is_refused(int opset)
    {
        var path = new OnnxBuilder(opset).Input("x", 1, 1, 4).Node("Relu", ["x"], ["y"]).Output("y").Save(_dir.File("opset.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.Unsupported, code);
        Assert.Contains($"opset {opset} is not supported", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_ir_version_is_refused()
    {
        var path = ReluModel().IrVersion(99).Save(_dir.File("ir.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.Unsupported, code);
        Assert.Contains("IR version 99", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Inconsistent_shapes_name_the_node()
    {
        var path = new OnnxBuilder()
            .Input("a", 1, 2, 3)
            .Input("b", 1, 4, 5)
            .Node("Add", ["a", "b"], ["y"], "bad_add")
            .Output("y")
            .Save(_dir.File("shapes.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("bad_add", err, StringComparison.Ordinal);
        Assert.Contains("broadcast", err, StringComparison.Ordinal);
    }

    private OnnxBuilder ExternalModel(string location)
    {
        var t = new TensorProto { Name = "w", DataType = 1, DataLocation = TensorProto.Types.DataLocation.External };
        t.Dims.AddRange([1, 4]);
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        return new OnnxBuilder().Input("x", 1, 1, 4).RawInitializer(t).Node("Add", ["x", "w"], ["y"], "add_ext").Output("y");
    }

    [Fact]
    public void External_data_that_is_missing_is_named()
    {
        var path = ExternalModel("weights.bin").Save(_dir.File("ext.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("'weights.bin' is missing", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../outside.bin")]
    [InlineData("/etc/passwd")]
    [InlineData("sub/../../outside.bin")]
    public void External_data_outside_the_model_folder_is_refused(string location)
    {
        Directory.CreateDirectory(_dir.File("model"));
        File.WriteAllBytes(_dir.File("outside.bin"), new byte[16]);
        var path = ExternalModel(location).Save(Path.Combine(_dir.File("model"), "ext.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("outside the model's folder", err, StringComparison.Ordinal);
    }

    [Fact]
    public void External_data_inside_the_folder_loads()
    {
        File.WriteAllBytes(_dir.File("weights.bin"), new float[] { 1, 2, 3, 4 }.SelectMany(BitConverter.GetBytes).ToArray());
        var path = ExternalModel("weights.bin").Save(_dir.File("ext.onnx"));
        var (code, stdout, err) = Run("inspect", path);
        Assert.True(code == ExitCodes.Success, err);
        Assert.Equal("", err);
        // The weight was read from the file: y = x + w with w = [1, 2, 3, 4] read back through the reference evaluator.
        var g = WebDnn.Onnx.OnnxImporter.Load(path);
        var y = WebDnn.Ops.Reference.Interpreter.Run(g, new Dictionary<Value, Tensor> { [g.Inputs[0]] = Tensor.FromFloats([1, 1, 4], [10, 20, 30, 40]) })[0];
        Assert.Equal([11f, 22f, 33f, 44f], y.Floats);
        Assert.Contains("Add", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void External_data_shorter_than_its_shape_is_refused_with_the_sizes()
    {
        File.WriteAllBytes(_dir.File("short.bin"), new byte[8]);
        var path = ExternalModel("short.bin").Save(_dir.File("ext.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("'w'", err, StringComparison.Ordinal);
        Assert.Contains("'short.bin' has 8 bytes", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurd_initializer_dimensions_are_refused_without_allocating()
    {
        var t = new TensorProto { Name = "huge", DataType = 1, RawData = ByteString.CopyFrom(new byte[16]) };
        t.Dims.AddRange([1_000_000, 1_000_000, 1_000_000]);
        var path = new OnnxBuilder().Input("x", 1, 1, 4).RawInitializer(t).Node("Add", ["x", "huge"], ["y"], "add_huge").Output("y").Save(_dir.File("huge.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("absurd", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Absurd_input_dimensions_are_refused()
    {
        var path = new OnnxBuilder().Input("x", 1, 1L << 40, 1L << 40).Node("Relu", ["x"], ["y"], "relu_big").Output("y").Save(_dir.File("bigin.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("relu_big", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Undefined_input_names_the_node()
    {
        var path = new OnnxBuilder().Input("x", 1, 1, 4).Node("Relu", ["ghost"], ["y"], "relu_ghost").Output("y").Save(_dir.File("ghost.onnx"));
        var (code, _, err) = Run("inspect", path);
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("relu_ghost", err, StringComparison.Ordinal);
        Assert.Contains("ghost", err, StringComparison.Ordinal);
    }
}
