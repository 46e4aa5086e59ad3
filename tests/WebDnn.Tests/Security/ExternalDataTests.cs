using WebDnn.Core;
using WebDnn.Onnx.Protos;
using WebDnn.Tests.Support;
using static WebDnn.Tests.Cli.CliErrorTests;

namespace WebDnn.Tests.Security;

/// <summary>
/// External data may not leave the model's folder, by any route: symbolic links (to a file or a folder), FIFOs that
/// would block, NUL bytes, offsets that overflow. Each hostile folder is built here; each case ends in exit code 3
/// naming the tensor.
/// </summary>
public sealed class ExternalDataTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string ModelDir => Directory.CreateDirectory(_dir.File("model")).FullName;

    private static readonly byte[] s_fourFloats = new float[] { 1, 2, 3, 4 }.SelectMany(BitConverter.GetBytes).ToArray();

    /// <summary>A model whose initializer 'w' (f32[1,4], 16 bytes) lives in external data at <paramref name="location"/>.</summary>
    private string Model(string location, string? offset = null)
    {
        var t = new TensorProto { Name = "w", DataType = 1, DataLocation = TensorProto.Types.DataLocation.External };
        t.Dims.AddRange([1, 4]);
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (offset is not null)
        {
            t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset });
        }
        return new OnnxBuilder().Input("x", 1, 1, 4).RawInitializer(t).Node("Add", ["x", "w"], ["y"], "add_ext").Output("y")
            .Save(Path.Combine(ModelDir, "m.onnx"));
    }

    private string Secret()
    {
        var secret = _dir.File("secret.bin");
        File.WriteAllBytes(secret, s_fourFloats);
        return secret;
    }

    [Fact]
    public void A_symlink_to_a_file_outside_the_folder_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(ModelDir, "pw.bin"), Secret());
        var (code, _, err) = Run("inspect", Model("pw.bin"));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("'w'", err, StringComparison.Ordinal);
        Assert.Contains("symbolic link that points outside", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlinked_folder_pointing_outside_is_refused()
    {
        Secret();
        Directory.CreateSymbolicLink(Path.Combine(ModelDir, "data"), _dir.Path);
        var (code, _, err) = Run("inspect", Model("data/secret.bin"));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("symbolic link that points outside", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_chain_that_ends_outside_is_refused_and_one_that_stays_inside_loads()
    {
        var inside = Path.Combine(ModelDir, "real.bin");
        File.WriteAllBytes(inside, s_fourFloats);
        File.CreateSymbolicLink(Path.Combine(ModelDir, "ok.bin"), "real.bin");
        var (okCode, _, okErr) = Run("inspect", Model("ok.bin"));
        Assert.True(okCode == ExitCodes.Success, okErr);

        File.CreateSymbolicLink(Path.Combine(ModelDir, "hop.bin"), Secret());
        File.CreateSymbolicLink(Path.Combine(ModelDir, "bad.bin"), "hop.bin");
        var (code, _, err) = Run("inspect", Model("bad.bin"));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("outside", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_symlink_cycle_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(ModelDir, "a.bin"), "b.bin");
        File.CreateSymbolicLink(Path.Combine(ModelDir, "b.bin"), "a.bin");
        var (code, _, err) = Run("inspect", Model("a.bin"));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("'w'", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_fifo_is_refused_without_blocking()
    {
        Posix.MakeFifo(Path.Combine(ModelDir, "pipe.bin"));
        // Opening a FIFO for reading blocks until a writer comes; the importer must not open it at all.
        var run = Task.Run(() => Run("inspect", Model("pipe.bin")));
        var (code, _, err) = await run.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("not a regular file", err, StringComparison.Ordinal);
        Assert.Contains("'w'", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("w.bin\0/../../etc/passwd")]
    [InlineData("w.bin\nfake line")]
    public void A_location_with_control_characters_is_refused(string location)
    {
        File.WriteAllBytes(Path.Combine(ModelDir, "w.bin"), s_fourFloats);
        var (code, _, err) = Run("inspect", Model(location));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("control character", err, StringComparison.Ordinal);
        Assert.DoesNotContain("\0", err, StringComparison.Ordinal);
        Assert.Contains("'w'", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9223372036854775800")]
    [InlineData("17")]
    public void An_offset_past_the_end_names_the_offset(string offset)
    {
        File.WriteAllBytes(Path.Combine(ModelDir, "w.bin"), s_fourFloats);
        var (code, _, err) = Run("inspect", Model("w.bin", offset));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains($"offset {offset}", err, StringComparison.Ordinal);
        Assert.Contains("'w'", err, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_as_location_is_called_a_folder()
    {
        Directory.CreateDirectory(Path.Combine(ModelDir, "w.bin"));
        var (code, _, err) = Run("inspect", Model("w.bin"));
        Assert.Equal(ExitCodes.InvalidModel, code);
        Assert.Contains("is a folder", err, StringComparison.Ordinal);
    }

    [Fact]
    public void An_offset_inside_the_file_reads_the_declared_bytes()
    {
        File.WriteAllBytes(Path.Combine(ModelDir, "w.bin"), [.. new byte[8], .. s_fourFloats]);
        var g = WebDnn.Onnx.OnnxImporter.Load(Model("w.bin", "8"));
        var w = g.Nodes[0].Inputs[1]!.Const!;
        Assert.Equal(new float[] { 1, 2, 3, 4 }, w.Floats);
    }
}
