using System.Security.Cryptography;
using System.Text.Json;
using WebDnn.Backends.Js;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering;

namespace WebDnn.Backends.Common;

/// <summary>
/// Writes a model package (DESIGN.md "Model package"): model.json, weights-N.bin shards and the kernels of each
/// requested backend. Everything is written into a temporary folder next to the destination and moved into
/// place at the end, so a failure never leaves a half-written package behind.
/// </summary>
public static class PackageWriter
{
    /// <summary>Upper bound of one weight shard (fine-grained progress and HTTP caching).</summary>
    public const long ShardBytes = 4L << 20;

    /// <summary>Backends this build can generate kernels for.</summary>
    public static IReadOnlyList<string> SupportedBackends { get; } = ["js"];

    /// <summary>Writes the package for <paramref name="program"/> (planned by <paramref name="plan"/>) into <paramref name="dir"/>.</summary>
    /// <remarks><paramref name="dir"/> may not exist, be empty, or hold an earlier package (it is replaced); anything else is refused.</remarks>
    /// <exception cref="UsageException">An unknown backend, or <paramref name="dir"/> is a non-package folder.</exception>
    public static ModelManifest Write(KernelProgram program, MemoryPlan plan, string dir, IEnumerable<string> backends, IProgress<string>? progress = null)
    {
        var names = backends.Distinct().ToList();
        var unknown = names.Where(b => !SupportedBackends.Contains(b)).ToList();
        if (unknown.Count > 0)
        {
            throw new UsageException($"backend(s) {string.Join(", ", unknown)} not available (this build supports: {string.Join(", ", SupportedBackends)})");
        }
        if (names.Count == 0)
        {
            throw new UsageException("no backend requested");
        }
        string full = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !File.Exists(Path.Combine(full, "model.json")))
        {
            throw new UsageException($"'{dir}' exists and is not a model package; refusing to overwrite it");
        }
        string parent = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(parent);
        string tmp = Path.Combine(parent, $".{Path.GetFileName(full)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            var (shards, weights, weightOffsets) = WriteWeights(program, tmp, progress);
            JsBackendManifest? js = null;
            if (names.Contains("js"))
            {
                js = JsWriter.Write(program, tmp);
                progress?.Report($"wrote {js.Module} ({js.Kernels.Count} kernels)");
            }
            var manifest = new ModelManifest(
                ModelManifest.CurrentFormatVersion,
                program.Inputs.Select(Tensor).ToList(),
                program.Outputs.Select(Tensor).ToList(),
                program.Buffers.Select(b => Buffer(b, plan, weightOffsets)).ToList(),
                plan.ArenaBytes,
                shards.Sum(s => s.ByteLength),
                shards,
                weights,
                new ManifestBackends(js));
            File.WriteAllText(Path.Combine(tmp, "model.json"), JsonSerializer.Serialize(manifest, ManifestJsonContext.Default.ModelManifest));
            Replace(tmp, full);
            progress?.Report($"package written to {dir}");
            return manifest;
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Reads and parses DIR/model.json.</summary>
    public static ModelManifest ReadManifest(string dir)
    {
        string path = Path.Combine(dir, "model.json");
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), ManifestJsonContext.Default.ModelManifest)
                ?? throw new InvalidModelException($"{path}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidModelException($"{path}: malformed manifest: {e.Message}", e);
        }
    }

    private static ManifestTensor Tensor(ProgramIO io) => new(io.Name, io.OnnxType.ShortName(), io.KernelBuffer.Shape, io.KernelBuffer.Id);

    private static ManifestBuffer Buffer(KernelBuffer b, MemoryPlan plan, Dictionary<int, long> weightOffsets)
    {
        var root = b.Root;
        bool weight = root.Kind == BufferKind.Weight;
        var dtype = b.DataType switch
        {
            DataType.Float32 => BufferDtype.F32,
            DataType.Int32 => BufferDtype.I32,
            DataType.Bool => BufferDtype.Bool,
            _ => throw new InvalidOperationException($"buffer b{b.Id} has element type {b.DataType}; lowering emits only f32, i32 and bool"),
        };
        long offset = weight ? weightOffsets[root.Id] : plan.Offsets.TryGetValue(b.Id, out var o) ? o
            : throw new InvalidOperationException($"memory plan has no slot for buffer b{b.Id}; plan the final kernel program");
        return new ManifestBuffer(b.Id, dtype, b.Shape, (ManifestBufferKind)(int)b.Kind, b.AliasOf is null ? null : root.Id,
            weight ? MemoryRegion.Weights : MemoryRegion.Arena, offset);
    }

    /// <summary>
    /// Packs weights into shards of at most <see cref="ShardBytes"/>. Each weight starts 16-byte aligned and is padded
    /// to 16 bytes, so the concatenation of the shards is the weight region with every weight contiguous and aligned.
    /// A weight moves to a fresh shard rather than straddle two, unless it is larger than a shard.
    /// </summary>
    private static (List<ManifestShard>, List<ManifestWeight>, Dictionary<int, long>) WriteWeights(KernelProgram program, string dir, IProgress<string>? progress)
    {
        var shards = new List<ManifestShard>();
        var weights = new List<ManifestWeight>();
        var offsets = new Dictionary<int, long>();
        FileStream? file = null;
        IncrementalHash? hash = null;
        long pos = 0, before = 0;

        void Close()
        {
            if (file is null)
            {
                return;
            }
            string name = Path.GetFileName(file.Name);
            file.Dispose();
            shards.Add(new ManifestShard(name, pos, Convert.ToHexStringLower(hash!.GetHashAndReset())));
            hash.Dispose();
            progress?.Report($"wrote {name} ({pos / 1048576.0:0.00} MiB)");
            before += pos;
            file = null;
            pos = 0;
        }

        void Open()
        {
            file = File.Create(Path.Combine(dir, $"weights-{shards.Count}.bin"));
            hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        }

        void Put(ReadOnlySpan<byte> bytes)
        {
            while (bytes.Length > 0)
            {
                if (file is null || pos == ShardBytes)
                {
                    Close();
                    Open();
                }
                int n = (int)Math.Min(bytes.Length, ShardBytes - pos);
                file!.Write(bytes[..n]);
                hash!.AppendData(bytes[..n]);
                pos += n;
                bytes = bytes[n..];
            }
        }

        try
        {
            foreach (var b in program.Buffers.Where(b => b.Kind == BufferKind.Weight && b.AliasOf is null))
            {
                var t = b.Weight ?? throw new InvalidOperationException($"weight buffer b{b.Id} has no data");
                byte[] bytes = Lowerer.ToKernelType(t, b.DataType, $"b{b.Id}").ToBytes();
                if (bytes.Length != b.ByteLength)
                {
                    throw new InvalidOperationException($"weight buffer b{b.Id}: {bytes.Length} bytes of data for {b.ByteLength} bytes of storage");
                }
                long padded = PlanMemory.Align(bytes.Length);
                if (file is null || (pos > 0 && pos + padded > ShardBytes))
                {
                    Close();
                    Open();
                }
                offsets[b.Id] = before + pos;
                weights.Add(new ManifestWeight(b.Id, shards.Count, pos, bytes.Length));
                Put(bytes);
                Put(new byte[padded - bytes.Length]);
            }
            Close();
        }
        finally
        {
            file?.Dispose();
            hash?.Dispose();
        }
        return (shards, weights, offsets);
    }

    private static void Replace(string tmp, string dest)
    {
        if (!Directory.Exists(dest))
        {
            Directory.Move(tmp, dest);
            return;
        }
        string old = $"{tmp}.old";
        Directory.Move(dest, old);
        Directory.Move(tmp, dest);
        TryDelete(old);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // NOTE: best effort; a leftover temp folder is harmless and named so it is recognisable.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
