using System.Security.Cryptography;
using System.Text.Json;
using WebDnn.Backends.Common;
using WebDnn.Backends.Js;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering;

namespace WebDnn.Tests.Backends;

/// <summary>Package writer (shards, hashes, atomic replace) and the runtime's refusal paths, end to end in Node.</summary>
public sealed class PackageTests : IDisposable
{
    private static readonly DataType F = DataType.Float32;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-pkg-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    /// <summary>y = x * w + w (w[4]); z = w viewed as [2, 2] (an alias of a weight); plus weights that fill shards, summed into scratch.</summary>
    private static ProgramBuilder Model(string inputName = "x")
    {
        var pb = new ProgramBuilder();
        var x = pb.Input(inputName, F, [4]);
        foreach (var filler in new[] { pb.Weight(F, [(int)(PackageWriter.ShardBytes / 4) + 100]), pb.Weight(F, [700_000]) })
        {
            pb.Add(new ReduceKernel(ReduceKind.Sum, [0], false) { Inputs = [filler], Outputs = [pb.Act(F, 1)] });
        }
        var w = pb.Weight(F, [4]);
        var y = pb.Act(F, 4);
        var e = Expr.Bin(BinaryOp.Add, Expr.Bin(BinaryOp.Mul, Expr.In(0, F), Expr.In(1, F)), Expr.In(1, F));
        pb.Add(new ElementwiseKernel(e) { Inputs = [x, w], Outputs = [y] });
        var z = pb.Act(F, 2, 2);
        pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [pb.Alias(w, 2, 2)], Outputs = [z] });
        pb.Output("y", y);
        pb.Output("z", z);
        return pb;
    }

    [Fact]
    public void Shards_are_bounded_hashed_and_weights_never_straddle_unless_too_big()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("x", F, [2]);
        var big = pb.Weight(F, [(int)(PackageWriter.ShardBytes / 4) + 100]);
        var mid = Enumerable.Range(0, 3).Select(_ => pb.Weight(F, [400_000])).ToList();
        var o = pb.Act(F, 2);
        pb.Add(new ElementwiseKernel(Expr.In(0, F)) { Inputs = [x], Outputs = [o] });
        foreach (var w in mid.Prepend(big))
        {
            // Only weights a kernel reads are stored.
            pb.Add(new ReduceKernel(ReduceKind.Sum, [0], false) { Inputs = [w], Outputs = [pb.Act(F, 1)] });
        }
        pb.Output("y", o);
        var messages = new List<string>();
        string pkg = Path.Combine(_dir, "p");
        var m = PackageWriter.Write(pb.Program, pkg, ["js"], new SyncProgress(messages.Add));

        Assert.All(m.Shards, s => Assert.True(s.ByteLength <= PackageWriter.ShardBytes));
        foreach (var s in m.Shards)
        {
            var bytes = File.ReadAllBytes(Path.Combine(pkg, s.File));
            Assert.Equal(s.ByteLength, bytes.Length);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), s.Sha256);
            Assert.Contains(messages, msg => msg.Contains(s.File, StringComparison.Ordinal));
        }
        Assert.Equal(m.Shards.Sum(s => s.ByteLength), m.WeightBytes);
        // The big weight starts a shard and continues into the next; each 1.6 MB weight sits inside one shard.
        var js = m.Backends["js"];
        Assert.Equal(4, m.Weights.Count);
        var bigW = m.Weights.Single(w => w.Offset == js.Buffers[big.Id].Offset);
        Assert.Equal(0, bigW.ShardOffset);
        foreach (var w in m.Weights.Where(w => w != bigW))
        {
            Assert.True(w.ShardOffset + w.ByteLength <= m.Shards[w.Shard].ByteLength);
            Assert.Equal(0, w.ShardOffset % PlanMemory.Alignment);
        }
        // Region offsets index the concatenation of the shards.
        var region = m.Shards.SelectMany(s => File.ReadAllBytes(Path.Combine(pkg, s.File))).ToArray();
        foreach (var b in pb.Program.Buffers.Where(b => b.Kind == BufferKind.Weight))
        {
            long off = js.Buffers[b.Id].Offset;
            Assert.Equal(b.Weight!.ToBytes(), region.AsSpan((int)off, (int)b.ByteLength).ToArray());
        }
        Assert.Equal(JsonSerializer.Serialize(m, ManifestJsonContext.Default.ModelManifest),
            JsonSerializer.Serialize(PackageWriter.ReadManifest(pkg), ManifestJsonContext.Default.ModelManifest));
        Assert.DoesNotContain(Directory.EnumerateDirectories(_dir), d => Path.GetFileName(d).StartsWith('.'));
    }

    [Fact]
    public void Refuses_to_overwrite_a_folder_that_is_not_a_package_and_replaces_an_old_package()
    {
        var pb = Model();
        string other = Path.Combine(_dir, "docs");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "keep.txt"), "mine");
        Assert.Throws<UsageException>(() => PackageWriter.Write(pb.Program, other, ["js"]));
        Assert.True(File.Exists(Path.Combine(other, "keep.txt")));
        Assert.Throws<UsageException>(() => PackageWriter.Write(pb.Program, Path.Combine(_dir, "x"), ["webgl"]));

        string pkg = Path.Combine(_dir, "pkg");
        PackageWriter.Write(pb.Program, pkg, ["js"]);
        File.WriteAllText(Path.Combine(pkg, "stale.bin"), "old");
        PackageWriter.Write(pb.Program, pkg, ["js"]);
        Assert.False(File.Exists(Path.Combine(pkg, "stale.bin")));
        Assert.Equal(["docs", "pkg"], Directory.EnumerateDirectories(_dir).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public void Runtime_refuses_corrupted_and_truncated_shards_naming_the_shard()
    {
        var pb = Model();
        string pkg = Path.Combine(_dir, "pkg");
        var m = PackageWriter.Write(pb.Program, pkg, ["js"]);
        var ok = NodeRunner.Run(pkg, pb.RawInputs());
        Assert.True(ok.Ok, ok.Error);
        Assert.Equal("js", ok.Backend);
        Assert.Equal(1.0, ok.Progress[^1]);

        string shard = Path.Combine(pkg, m.Shards[1].File);
        var bytes = File.ReadAllBytes(shard);
        bytes[17] ^= 0x40;
        File.WriteAllBytes(shard, bytes);
        var bad = NodeRunner.Run(pkg, pb.RawInputs());
        Assert.False(bad.Ok);
        Assert.Contains($"{m.Shards[1].File} is corrupted", bad.Error);

        File.WriteAllBytes(shard, bytes[..1000]);
        var cut = NodeRunner.Run(pkg, pb.RawInputs());
        Assert.False(cut.Ok);
        Assert.Contains($"{m.Shards[1].File} is truncated", cut.Error);
    }

    [Fact]
    public void Kernel_files_are_content_addressed_on_every_backend()
    {
        var pb = Model();
        string pkg = Path.Combine(_dir, "pkg");
        var m = PackageWriter.Write(pb.Program, pkg, BackendRegistry.Names);
        foreach (var (backend, entry) in m.Backends)
        {
            Assert.NotEmpty(entry.Files);
            foreach (var f in entry.Files)
            {
                // NAME.HASH.EXT, HASH the start of the file's SHA-256, and the bytes are those the manifest hashes.
                string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(pkg, f.File))));
                Assert.Equal(f.Sha256, sha);
                string name = PackageWriter.LogicalName(f.File);
                Assert.NotEqual(name, f.File);
                Assert.Equal(PackageWriter.ContentAddressedName(name, sha), f.File);
                Assert.Contains($".{sha[..16]}", f.File, StringComparison.Ordinal);
                Assert.Equal(f.File, PackageWriter.KernelFile(entry, name));
            }
            Assert.False(File.Exists(Path.Combine(pkg, PackageWriter.LogicalName(entry.Files[0].File))), $"{backend}: an unhashed copy was written");
        }
        // The runtime finds them by the backends' names: the package runs in Node.
        var r = NodeRunner.Run(pkg, pb.RawInputs(), ["wasm"]);
        Assert.True(r.Ok, r.Error);
        Assert.Equal("wasm", r.Backend);
    }

    [Fact]
    public void Runtime_refuses_an_edited_kernel_file()
    {
        var pb = Model();
        string pkg = Path.Combine(_dir, "pkg");
        var m = PackageWriter.Write(pb.Program, pkg, ["js"]);
        string file = Assert.Single(m.Backends["js"].Files).File;
        Assert.Equal(JsWriter.ModuleFile, PackageWriter.LogicalName(file));
        string js = Path.Combine(pkg, file);
        File.WriteAllText(js, File.ReadAllText(js).Replace("export function createKernels() {", "export function createKernels() { globalThis.edited = 1;", StringComparison.Ordinal));
        var r = NodeRunner.Run(pkg, pb.RawInputs());
        Assert.False(r.Ok);
        Assert.Contains($"kernel file {file} is corrupted", r.Error);
    }

    [Fact]
    public void Runtime_rejects_wrong_inputs_with_what_was_expected()
    {
        var pb = Model();
        string pkg = Path.Combine(_dir, "pkg");
        PackageWriter.Write(pb.Program, pkg, ["js"]);
        var good = pb.RawInputs()["x"];

        var shape = NodeRunner.Run(pkg, new Dictionary<string, RawTensor> { ["x"] = good with { Shape = [2, 2] } });
        Assert.Contains("input 'x' has shape [2,2], expected [4]", shape.Error);

        var length = NodeRunner.Run(pkg, new Dictionary<string, RawTensor> { ["x"] = new("f32", [4], new byte[12]) });
        Assert.Contains("expected Float32Array of 4 elements (f32[4]), got 3 elements", length.Error);

        var dtype = NodeRunner.Run(pkg, new Dictionary<string, RawTensor> { ["x"] = new("i32", [4], new byte[16]) });
        Assert.Contains("expected Float32Array of 4 elements (f32[4]), got Int32Array", dtype.Error);

        var name = NodeRunner.Run(pkg, new Dictionary<string, RawTensor> { ["x"] = good, ["z"] = good });
        Assert.Contains("unknown input(s) 'z'; the model's inputs are 'x' f32[4]", name.Error);

        var missing = NodeRunner.Run(pkg, new Dictionary<string, RawTensor>());
        Assert.Contains("missing input 'x'", missing.Error);
    }

    [Fact]
    public void Load_falls_through_the_backend_order_and_explains_when_nothing_works()
    {
        var pb = Model();
        string pkg = Path.Combine(_dir, "pkg");
        PackageWriter.Write(pb.Program, pkg, ["js"]);
        var r = NodeRunner.Run(pkg, pb.RawInputs(), ["webgpu", "js"]);
        Assert.True(r.Ok, r.Error);
        Assert.Equal("js", r.Backend);
        var none = NodeRunner.Run(pkg, pb.RawInputs(), ["webgpu", "wasm"]);
        Assert.False(none.Ok);
        Assert.Contains("no usable backend", none.Error);
        Assert.Contains("webgpu: ", none.Error);
    }

    [Theory]
    [InlineData("JS", "unknown backend 'JS' in backendOrder (did you mean 'js'?)")]
    [InlineData("wasmm", "unknown backend 'wasmm' in backendOrder (did you mean 'wasm'?)")]
    [InlineData("nonsense", "unknown backend 'nonsense' in backendOrder; backends are 'webgpu', 'wasm', 'webgl', 'js'")]
    public void A_backend_name_typo_is_an_error_naming_the_backends(string typo, string message)
    {
        var pb = Model();
        string pkg = Path.Combine(_dir, "pkg");
        PackageWriter.Write(pb.Program, pkg, ["js"]);
        var r = NodeRunner.Run(pkg, pb.RawInputs(), [typo, "js"]);
        Assert.False(r.Ok);
        Assert.Contains(message, r.Error);
    }

    [Fact]
    public void Model_strings_never_reach_generated_code()
    {
        const string Evil = "x'); globalThis.pwned = 1; //\n*/`${1}`";
        var pb = Model(Evil);
        string pkg = Path.Combine(_dir, "pkg");
        for (int i = 0; i < pb.Program.Kernels.Count; i++)
        {
            pb.Program.Kernels[i] = pb.Program.Kernels[i] with { Origin = Evil };
        }
        var m = PackageWriter.Write(pb.Program, pkg, ["js"]);
        string js = File.ReadAllText(Path.Combine(pkg, PackageWriter.KernelFile(m.Backends["js"], JsWriter.ModuleFile)));
        Assert.DoesNotContain("pwned", js);
        var r = NodeRunner.Run(pkg, new Dictionary<string, RawTensor> { [Evil] = pb.RawInputs()[Evil] });
        Assert.True(r.Ok, r.Error);
    }

    private sealed class SyncProgress(Action<string> report) : IProgress<string>
    {
        public void Report(string value) => report(value);
    }
}
