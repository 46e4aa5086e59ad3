using System.Formats.Tar;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Tests.Backends;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Runtime;

/// <summary>What load() accepts (issue 11, part 2), in Node: folders, model.json, packed packages, Blobs, PackageSources; progress events.</summary>
public sealed class LoadTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-load-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static ProgramBuilder Model() => TinyModel.Build(spill: true);

    private (ProgramBuilder Pb, string Dir, ModelManifest Manifest, NodeResult Expected) Folder()
    {
        var pb = Model();
        string dir = Path.Combine(_dir, "pkg");
        var m = PackageWriter.Write(pb.Program, dir, ["js"]);
        var expected = NodeRunner.Run(dir, pb.RawInputs());
        Assert.True(expected.Ok, expected.Error);
        return (pb, dir, m, expected);
    }

    private static void SameOutputs(NodeResult expected, NodeResult actual)
    {
        Assert.True(actual.Ok, actual.Error);
        Assert.Equal(expected.Outputs.Keys.Order(StringComparer.Ordinal), actual.Outputs.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, t) in expected.Outputs)
        {
            Assert.Equal(t.Data, actual.Outputs[name].Data);
        }
    }

    [Fact]
    public void Shard_files_are_named_by_their_hash()
    {
        var (_, dir, m, _) = Folder();
        Assert.Equal(2, m.Shards.Count);
        Assert.All(m.Shards.Select((s, i) => (s, i)), p =>
        {
            Assert.Equal($"weights-{p.i}.{p.s.Sha256[..16]}.bin", p.s.File);
            Assert.True(File.Exists(Path.Combine(dir, p.s.File)));
        });
        Assert.Empty(Directory.GetFiles(dir, "*.partial"));
    }

    [Fact]
    public void Progress_reports_each_byte_count_once_from_zero_to_the_total()
    {
        var (_, _, m, r) = Folder();
        Assert.Equal(0.0, r.Progress[0]);
        Assert.Equal(1.0, r.Progress[^1]);
        for (int i = 1; i < r.Progress.Count; i++)
        {
            Assert.True(r.Progress[i] > r.Progress[i - 1], $"event {i} repeats or goes back: {string.Join(", ", r.Progress)}");
        }
        // Node reads each shard whole: one event per shard after the first.
        Assert.Equal(m.Shards.Count + 1, r.Progress.Count);
    }

    [Fact]
    public void A_model_json_path_loads_its_folder()
    {
        var (pb, dir, _, expected) = Folder();
        SameOutputs(expected, NodeRunner.Run(Path.Combine(dir, "model.json"), pb.RawInputs()));
    }

    [Fact]
    public void A_packed_package_loads_from_bytes_and_from_a_blob_like_the_folder()
    {
        var (pb, _, _, expected) = Folder();
        string tar = Path.Combine(_dir, "model.tar");
        PackedPackage.Write(pb.Program, tar, ["js"]);
        SameOutputs(expected, NodeRunner.Run(tar, pb.RawInputs()));
        SameOutputs(expected, NodeRunner.Run("blob:" + tar, pb.RawInputs()));
        Assert.Equal("model.json", TarEntries(tar)[0]);
    }

    [Fact]
    public void Tar_and_tar_gz_made_by_the_tar_command_load_too()
    {
        var (pb, dir, _, expected) = Folder();
        foreach (var (file, flags) in new[] { ("cli.tar", "-cf"), ("cli.tgz", "-czf") })
        {
            string path = Path.Combine(_dir, file);
            var r = ProcessRunner.Run("tar", [flags, path, "-C", dir, "."], _dir);
            Assert.True(r.ExitCode == 0, r.ToString());
            SameOutputs(expected, NodeRunner.Run(path, pb.RawInputs()));
        }
    }

    [Fact]
    public void A_package_source_serves_the_files()
    {
        var (pb, dir, _, expected) = Folder();
        SameOutputs(expected, NodeRunner.Run("fetch:" + dir, pb.RawInputs()));
    }

    [Fact]
    public void Broken_packed_packages_are_refused_clearly()
    {
        var (pb, _, _, _) = Folder();
        string tar = Path.Combine(_dir, "model.tar");
        PackedPackage.Write(pb.Program, tar, ["js"]);
        var bytes = File.ReadAllBytes(tar);

        string cut = Path.Combine(_dir, "cut.tar");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        var r = NodeRunner.Run(cut, pb.RawInputs());
        Assert.False(r.Ok);
        Assert.Contains("packed package is truncated", r.Error);

        string junk = Path.Combine(_dir, "junk.tar");
        File.WriteAllText(junk, "<html>not found</html>");
        r = NodeRunner.Run(junk, pb.RawInputs());
        Assert.False(r.Ok);
        Assert.Contains("not a packed model package", r.Error);

        // A flipped byte inside a shard is caught by its hash, as in a folder.
        string bad = Path.Combine(_dir, "bad.tar");
        var flipped = (byte[])bytes.Clone();
        flipped[^2048] ^= 0x40;
        File.WriteAllBytes(bad, flipped);
        r = NodeRunner.Run(bad, pb.RawInputs());
        Assert.False(r.Ok);
        Assert.Matches("(weight shard|kernel file) .* is corrupted", r.Error);
    }

    [Fact]
    public void Pack_refuses_a_folder_as_destination()
    {
        var pb = Model();
        Directory.CreateDirectory(Path.Combine(_dir, "out"));
        var e = Assert.Throws<UsageException>(() => PackedPackage.Write(pb.Program, Path.Combine(_dir, "out"), ["js"]));
        Assert.Contains("is a folder; --pack writes one file", e.Message);
    }

    private static List<string> TarEntries(string path)
    {
        using var s = File.OpenRead(path);
        using var tar = new TarReader(s);
        var names = new List<string>();
        while (tar.GetNextEntry() is { } e)
        {
            names.Add(e.Name);
        }
        return names;
    }
}
