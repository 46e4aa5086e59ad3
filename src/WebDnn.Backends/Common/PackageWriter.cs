using System.Security.Cryptography;
using System.Text.Json;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Lowering;
using WebDnn.Lowering.KernelStage;

namespace WebDnn.Backends.Common;

/// <summary>
/// Writes a model package (DESIGN.md "Model package"): model.json, weights-N.HASH.bin shards and the kernel files of each
/// requested backend (content-addressed too: kernels.HASH.js). Everything is written into a temporary folder next to the destination and moved into
/// place at the end, so a failure never leaves a half-written package behind.
/// </summary>
public static partial class PackageWriter
{
    /// <summary>Upper bound of one weight shard (fine-grained progress and HTTP caching).</summary>
    public const long ShardBytes = 4L << 20;

    /// <summary>Backends this build can generate kernels for (<see cref="BackendRegistry"/>).</summary>
    public static IReadOnlyList<string> SupportedBackends => BackendRegistry.Names;

    /// <summary>Writes the package of <paramref name="program"/> for the named registered backends into <paramref name="dir"/>.</summary>
    /// <exception cref="UsageException">An unknown backend, or <paramref name="dir"/> is a non-package folder.</exception>
    public static ModelManifest Write(KernelProgram program, string dir, IEnumerable<string> backends, IProgress<string>? progress = null) =>
        Write(program, dir, BackendRegistry.Resolve(backends), progress);

    /// <summary>
    /// Writes the package of <paramref name="program"/> (lowered, not yet specialised) into <paramref name="dir"/>: runs
    /// each backend's kernel-level stage on its own copy, writes the weights its kernels read once for all backends,
    /// then each backend's kernel files and manifest entry.
    /// </summary>
    /// <remarks><paramref name="dir"/> may not exist, be empty, or hold an earlier package (it is replaced); anything else is refused.</remarks>
    /// <exception cref="UsageException">No backend, or <paramref name="dir"/> is a non-package folder.</exception>
    /// <exception cref="UnsupportedModelException">A backend has no emitter for a kernel's primitive.</exception>
    public static ModelManifest Write(KernelProgram program, string dir, IReadOnlyList<IBackend> backends, IProgress<string>? progress = null)
    {
        if (backends.Count == 0)
        {
            throw new UsageException("no backend requested");
        }
        string full = CheckDestination(dir);
        var targets = backends.Select(b => Specialise(program, b, progress)).ToList();

        string parent = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(parent);
        string tmp = Path.Combine(parent, $".{Path.GetFileName(full)}.tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            int alignment = targets.Max(t => t.Target.BufferAlignment);
            var stored = new WeightStore(alignment);
            var (shards, weights) = WriteWeights(targets, stored, tmp, progress);
            var entries = new Dictionary<string, ManifestBackend>(StringComparer.Ordinal);
            for (int i = 0; i < backends.Count; i++)
            {
                entries[backends[i].Name] = WriteBackend(backends[i], targets[i], stored, shards, tmp, progress);
            }
            var manifest = new ModelManifest(
                ModelManifest.CurrentFormatVersion,
                program.Inputs.Select(io => Tensor(io) with { IndexUses = IndexUses(program, io) }).ToList(),
                program.Outputs.Select(Tensor).ToList(),
                shards.Sum(s => s.ByteLength),
                shards,
                weights,
                entries);
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

    /// <summary>Runs <paramref name="backend"/>'s kernel-level stage on a copy of <paramref name="program"/> and checks it has every primitive.</summary>
    /// <exception cref="UnsupportedModelException">Kernels whose primitive the backend does not implement (all listed).</exception>
    public static TargetProgram Specialise(KernelProgram program, IBackend backend, IProgress<string>? progress = null)
    {
        var missing = program.Kernels.Where(k => !backend.Primitives.Contains(k.Primitive)).ToList();
        if (missing.Count > 0)
        {
            throw new UnsupportedModelException($"the {backend.Name} backend has no kernel for {missing.Count} kernel(s): " +
                string.Join(", ", missing.Take(20).Select(k => $"{k.Primitive} (from {k.Origin})")) + (missing.Count > 20 ? ", …" : "") +
                $"; compile for another backend (--backends {string.Join(",", BackendRegistry.Names.Where(n => n != backend.Name))})");
        }
        var tp = TargetProgram.Run(program, backend.Target, backend.KernelPasses, progress);
        tp.RequirePlan();
        return tp;
    }

    /// <summary>Refuses <paramref name="dir"/> as a package destination when it is a file or a non-empty folder that is not a package (cheap: the CLI calls it before compiling).</summary>
    /// <returns>The full path, without a trailing separator.</returns>
    /// <exception cref="UsageException">It cannot be one.</exception>
    public static string CheckDestination(string dir)
    {
        string full = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        if (File.Exists(full))
        {
            throw new UsageException($"'{dir}' is a file; give a folder for the package");
        }
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !File.Exists(Path.Combine(full, "model.json")))
        {
            throw new UsageException($"'{dir}' exists and is not a model package; refusing to overwrite it");
        }
        return full;
    }

    private static ManifestBackend WriteBackend(IBackend backend, TargetProgram tp, WeightStore stored, List<ManifestShard> shards, string dir, IProgress<string>? progress)
    {
        var output = new BackendOutput(dir, progress);
        var data = backend.Write(tp, output);
        var p = tp.Program;
        if (data.Count != p.Kernels.Count)
        {
            throw new InvalidOperationException($"backend {backend.Name} returned {data.Count} kernel entries for {p.Kernels.Count} kernels");
        }
        var plan = tp.RequirePlan();
        var buffers = p.Buffers.Select(b => Buffer(b, plan, stored)).ToList();
        var shardSet = new SortedSet<int>();
        foreach (var b in p.Buffers.Where(b => b.Kind == BufferKind.Weight && b.AliasOf is null))
        {
            var (offset, length) = stored.Slot(b);
            long at = 0;
            for (int s = 0; s < shards.Count; at += shards[s].ByteLength, s++)
            {
                if (at < offset + Math.Max(length, 1) && offset < at + shards[s].ByteLength)
                {
                    shardSet.Add(s);
                }
            }
        }
        var kernels = p.Kernels.Select((k, i) => new ManifestKernel(k.Primitive, k.Inputs.Select(b => b.Id).ToList(), k.Outputs.Select(b => b.Id).ToList(),
            k.Algorithm, k.Layout.Name(), data[i].Entry, data[i].Dispatch, data[i].Data, k.Origin.Length > 0 ? k.Origin : null, k.Flops)).ToList();
        progress?.Report($"wrote {backend.Name} kernels: {string.Join(", ", output.Files.Select(f => f.File))} ({kernels.Count} kernels)");
        return new ManifestBackend(output.Files, plan.Alignment, plan.ArenaBytes, [.. shardSet], buffers,
            p.Inputs.Select(io => io.KernelBuffer.Id).ToList(), p.Outputs.Select(io => io.KernelBuffer.Id).ToList(), kernels);
    }

    /// <summary>The file name of shard <paramref name="index"/>: <c>weights-N.HASH.bin</c>, HASH the first 16 hex digits of its SHA-256.</summary>
    public static string ShardFileName(int index, string sha256) => $"weights-{index}.{sha256[..16]}.bin";

    /// <summary>
    /// The file name of a kernel file named <paramref name="name"/> by its backend: the first 16 hex digits of its SHA-256
    /// before the last extension (<c>kernels.js</c> → <c>kernels.0123456789abcdef.js</c>), as in <see cref="ShardFileName"/>.
    /// </summary>
    public static string ContentAddressedName(string name, string sha256)
    {
        int dot = name.LastIndexOf('.');
        return dot > 0 ? $"{name[..dot]}.{sha256[..16]}{name[dot..]}" : $"{name}.{sha256[..16]}";
    }

    /// <summary>The backend's name of a package file: <see cref="ContentAddressedName"/> undone (names without a hash are returned as they are).</summary>
    public static string LogicalName(string file) => HashSegment().Replace(file, "", 1);

    /// <summary>The file of <paramref name="backend"/> its loader knows as <paramref name="name"/> (e.g. <c>kernels.js</c>).</summary>
    /// <exception cref="InvalidModelException">The backend has no such file.</exception>
    public static string KernelFile(ManifestBackend backend, string name) =>
        backend.Files.FirstOrDefault(f => f.File == name || LogicalName(f.File) == name)?.File
        ?? throw new InvalidModelException($"invalid manifest: the backend lists no file {name}");

    [System.Text.RegularExpressions.GeneratedRegex(@"\.[0-9a-f]{16}(?=(\.[^.]*)?$)")]
    private static partial System.Text.RegularExpressions.Regex HashSegment();

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

    private static ManifestTensor Tensor(ProgramIO io) => new(io.Name, io.OnnxType.ShortName(), io.KernelBuffer.Shape, io.MaxAbs);

    /// <summary>The gathers of <paramref name="program"/> whose indices are graph input <paramref name="io"/> itself (or a view of it).</summary>
    private static List<ManifestIndexUse>? IndexUses(KernelProgram program, ProgramIO io)
    {
        var uses = program.Kernels.OfType<GatherKernel>()
            .Where(k => k.Inputs is [_, var indices] && indices.Root == io.KernelBuffer.Root)
            .Select(k => new ManifestIndexUse(k.Inputs[0].Shape[k.Axis], k.Origin.Length > 0 ? k.Origin : null))
            .Distinct()
            .ToList();
        return uses.Count > 0 ? uses : null;
    }

    private static ManifestBuffer Buffer(KernelBuffer b, MemoryPlan plan, WeightStore stored)
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
        long offset = weight ? stored.Slot(root).Offset : plan.Offsets.TryGetValue(b.Id, out var o) ? o
            : throw new InvalidOperationException($"memory plan has no slot for buffer b{b.Id}; plan the final kernel program");
        return new ManifestBuffer(b.Id, dtype, b.Shape, (ManifestBufferKind)(int)b.Kind, b.AliasOf is null ? null : root.Id,
            weight ? MemoryRegion.Weights : MemoryRegion.Arena, offset);
    }

    /// <summary>
    /// The weights of all targets, each stored once: targets that did not repack a weight share its tensor, so its bytes
    /// are written once and every target's buffer points at the same offset.
    /// </summary>
    private sealed class WeightStore(int alignment)
    {
        private readonly Dictionary<Tensor, (long Offset, long Length)> _slots = new(ReferenceEqualityComparer.Instance);

        public int Alignment { get; } = alignment;

        public bool Contains(KernelBuffer b) => _slots.ContainsKey(Data(b));

        public void Add(KernelBuffer b, long offset, long length) => _slots[Data(b)] = (offset, length);

        public (long Offset, long Length) Slot(KernelBuffer b) => _slots.TryGetValue(Data(b), out var s) ? s
            : throw new InvalidOperationException($"weight buffer b{b.Id} was not stored");

        private static Tensor Data(KernelBuffer b) => b.Root.Weight ?? throw new InvalidOperationException($"weight buffer b{b.Root.Id} has no data");
    }

    /// <summary>
    /// Packs the weights of all targets into shards of at most <see cref="ShardBytes"/>. Each weight starts aligned to the
    /// strictest target alignment and is padded to it, so the concatenation of the shards is the weight region with every
    /// weight contiguous and aligned. A weight moves to a fresh shard rather than straddle two, unless it is larger than a shard.
    /// </summary>
    private static (List<ManifestShard>, List<ManifestWeight>) WriteWeights(List<TargetProgram> targets, WeightStore stored, string dir, IProgress<string>? progress)
    {
        var shards = new List<ManifestShard>();
        var weights = new List<ManifestWeight>();
        FileStream? file = null;
        IncrementalHash? hash = null;
        long pos = 0, before = 0;

        void Close()
        {
            if (file is null)
            {
                return;
            }
            string path = file.Name;
            file.Dispose();
            string sha = Convert.ToHexStringLower(hash!.GetHashAndReset());
            hash.Dispose();
            // Content-addressed: a changed shard gets a new URL, so caches (HTTP, the runtime's shard store) never serve a stale one.
            string name = ShardFileName(shards.Count, sha);
            File.Move(path, Path.Combine(dir, name));
            shards.Add(new ManifestShard(name, pos, sha));
            progress?.Report($"wrote {name} ({pos / 1048576.0:0.00} MiB)");
            before += pos;
            file = null;
            pos = 0;
        }

        void Open()
        {
            file = File.Create(Path.Combine(dir, $"weights-{shards.Count}.partial"));
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
            foreach (var b in targets.SelectMany(t => t.Program.Buffers).Where(b => b.Kind == BufferKind.Weight && b.AliasOf is null))
            {
                if (stored.Contains(b))
                {
                    continue;
                }
                var t = b.Weight ?? throw new InvalidOperationException($"weight buffer b{b.Id} has no data");
                byte[] bytes = Lowerer.ToKernelType(t, b.DataType, $"b{b.Id}").ToBytes();
                if (bytes.Length != b.ByteLength)
                {
                    throw new InvalidOperationException($"weight buffer b{b.Id}: {bytes.Length} bytes of data for {b.ByteLength} bytes of storage");
                }
                long padded = PlanMemory.Align(bytes.Length, stored.Alignment);
                if (file is null || (pos > 0 && pos + padded > ShardBytes))
                {
                    Close();
                    Open();
                }
                stored.Add(b, before + pos, bytes.Length);
                weights.Add(new ManifestWeight(before + pos, shards.Count, pos, bytes.Length));
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
        return (shards, weights);
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
