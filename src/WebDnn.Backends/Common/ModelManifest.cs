using System.Text.Json.Serialization;

namespace WebDnn.Backends.Common;

// The model package contract (model.json). runtime/src/manifest.generated.ts is generated from these records by
// ManifestTypeScript; a test fails when the checked-in file differs. Change a record => bump FormatVersion.

/// <summary>The manifest of a model package: what the runtime needs to download, verify, allocate and dispatch.</summary>
/// <param name="FormatVersion">Package format version (<see cref="CurrentFormatVersion"/>); the runtime refuses others.</param>
/// <param name="Inputs">Graph inputs in call order.</param>
/// <param name="Outputs">Graph outputs in result order.</param>
/// <param name="WeightBytes">Bytes of the weight region: the concatenation of all shards.</param>
/// <param name="Shards">Weight shard files in order.</param>
/// <param name="Weights">Where each stored weight's bytes are.</param>
/// <param name="Backends">Per backend name, its kernels, buffers and memory plan; a backend not listed is not in the package.</param>
public sealed record ModelManifest(
    int FormatVersion,
    IReadOnlyList<ManifestTensor> Inputs,
    IReadOnlyList<ManifestTensor> Outputs,
    long WeightBytes,
    IReadOnlyList<ManifestShard> Shards,
    IReadOnlyList<ManifestWeight> Weights,
    IReadOnlyDictionary<string, ManifestBackend> Backends)
{
    /// <summary>2: per-backend buffers, plans and kernel files (1 had one program and a field per backend).</summary>
    public const int CurrentFormatVersion = 2;
}

/// <summary>A graph input or output.</summary>
/// <param name="Name">Name in the ONNX graph (data only: never emitted into generated code).</param>
/// <param name="Dtype">ONNX element type short name (f32, i64, bool, ...); the runtime converts to the buffer's type.</param>
/// <param name="Shape">Static shape.</param>
/// <param name="MaxAbs">Inputs only: the largest |value| accepted where the model's int64 (uint32, uint64) arithmetic,
/// or a float that becomes such an integer, is exact in the 32-bit kernels only below it (null: no bound beyond the
/// buffer's type). The runtime refuses larger values rather than wrap (docs/compiler.md, "Integer types").</param>
/// <param name="IndexUses">Inputs only: the gathers that read this input as their indices (null: none). The runtime checks
/// every value against each before any backend runs, so an out-of-range token id is refused naming the input, the
/// position, the value and the ONNX node on every backend (GPU kernels cannot report it and clamp).</param>
public sealed record ManifestTensor(string Name, string Dtype, IReadOnlyList<int> Shape, long? MaxAbs = null, IReadOnlyList<ManifestIndexUse>? IndexUses = null);

/// <summary>A gather reading a graph input as its indices: valid values are -<paramref name="Size"/> .. <paramref name="Size"/> - 1.</summary>
/// <param name="Size">Length of the gathered axis of the data.</param>
/// <param name="Node">The gather's ONNX node name (data only), or null.</param>
public sealed record ManifestIndexUse(int Size, string? Node);

/// <summary>
/// One backend's part of the package: the program the kernel-level stage made for its target (its own buffers and
/// memory plan, since layouts and alignment differ per target), its kernel files and the shards it reads.
/// </summary>
/// <param name="Files">Kernel files of this backend (e.g. kernels.js), with sizes and hashes; the runtime verifies them.</param>
/// <param name="Alignment">Byte alignment of every buffer offset (the target's).</param>
/// <param name="ArenaBytes">Bytes of the arena that holds inputs, outputs and activations.</param>
/// <param name="Shards">Indices of the weight shards this backend reads (the others are not downloaded for it).</param>
/// <param name="Buffers">Every buffer of this backend's program, indexed by id.</param>
/// <param name="Inputs">Buffer id of each graph input, in <see cref="ModelManifest.Inputs"/> order.</param>
/// <param name="Outputs">Buffer id of each graph output, in <see cref="ModelManifest.Outputs"/> order.</param>
/// <param name="Kernels">The kernels in execution order.</param>
public sealed record ManifestBackend(
    IReadOnlyList<ManifestFile> Files,
    int Alignment,
    long ArenaBytes,
    IReadOnlyList<int> Shards,
    IReadOnlyList<ManifestBuffer> Buffers,
    IReadOnlyList<int> Inputs,
    IReadOnlyList<int> Outputs,
    IReadOnlyList<ManifestKernel> Kernels);

/// <summary>A file of the package other than model.json.</summary>
/// <param name="File">File name inside the package, content-addressed: NAME.HASH.EXT (<c>PackageWriter.ContentAddressedName</c>).</param>
/// <param name="ByteLength">Exact size in bytes.</param>
/// <param name="Sha256">SHA-256 of the file, lowercase hex.</param>
public sealed record ManifestFile(string File, long ByteLength, string Sha256);

/// <summary>A storage location of a backend's program.</summary>
/// <param name="Id">Index into <see cref="ManifestBackend.Buffers"/>.</param>
/// <param name="Dtype">Element type.</param>
/// <param name="Shape">Static physical shape (in the layout of the kernels that use it).</param>
/// <param name="Kind">What it holds.</param>
/// <param name="AliasOf">Id of the buffer whose storage it shares (null: owns its storage).</param>
/// <param name="Region">Which memory region it lives in.</param>
/// <param name="Offset">Byte offset in <paramref name="Region"/> (aliases repeat their root's offset).</param>
public sealed record ManifestBuffer(int Id, BufferDtype Dtype, IReadOnlyList<int> Shape, ManifestBufferKind Kind, int? AliasOf, MemoryRegion Region, long Offset);

/// <summary>Element types of lowered buffers.</summary>
public enum BufferDtype
{
    [JsonStringEnumMemberName("f32")] F32,
    [JsonStringEnumMemberName("i32")] I32,
    [JsonStringEnumMemberName("bool")] Bool,
}

/// <summary>Mirror of <c>WebDnn.Core.Kernels.BufferKind</c>.</summary>
public enum ManifestBufferKind
{
    [JsonStringEnumMemberName("input")] Input,
    [JsonStringEnumMemberName("output")] Output,
    [JsonStringEnumMemberName("weight")] Weight,
    [JsonStringEnumMemberName("activation")] Activation,
}

/// <summary>Memory regions: the arena (inputs, outputs, activations) and the weights (shards concatenated).</summary>
public enum MemoryRegion
{
    [JsonStringEnumMemberName("arena")] Arena,
    [JsonStringEnumMemberName("weights")] Weights,
}

/// <summary>One weight file.</summary>
/// <param name="File">File name inside the package (weights-N.HASH.bin, see PackageWriter.ShardFileName).</param>
/// <param name="ByteLength">Exact size in bytes.</param>
/// <param name="Sha256">SHA-256 of the file, lowercase hex.</param>
public sealed record ManifestShard(string File, long ByteLength, string Sha256);

/// <summary>Where one stored weight's bytes are. A weight bigger than a shard continues in the following shards.</summary>
/// <param name="Offset">Byte offset in the weight region (what weight buffers' offsets repeat).</param>
/// <param name="Shard">Index of the shard holding its first byte.</param>
/// <param name="ShardOffset">Byte offset of its first byte in that shard.</param>
/// <param name="ByteLength">Its size in bytes (little-endian f32/i32; bool as one byte each).</param>
public sealed record ManifestWeight(long Offset, int Shard, long ShardOffset, long ByteLength);

/// <summary>One kernel dispatch.</summary>
/// <param name="Primitive">Primitive name (elementwise, conv, ...).</param>
/// <param name="Inputs">Input buffer ids.</param>
/// <param name="Outputs">Output buffer ids.</param>
/// <param name="Algorithm">The algorithm the kernel-level stage chose (direct, gemm-1x1, winograd-f2x2-3x3, ...).</param>
/// <param name="Layout">Activation layout of the kernel (nchw, nhwc).</param>
/// <param name="Entry">The backend's entry point for this kernel (an export or shader name), when it has one.</param>
/// <param name="Dispatch">Work sizes (e.g. WebGPU workgroup counts), when the backend needs them.</param>
/// <param name="Data">Backend-specific numbers for this kernel (uniforms, tile sizes); null when none.</param>
/// <param name="Origin">The ONNX node the kernel was lowered from (its name, as data: for run-time error messages), or null.</param>
/// <param name="Flops">Multiply-adds x2 of one run of the kernel (0 for primitives that are not counted); for
/// `webdnn run --profile` GFLOP/s. The runtime does not read it (packages written without it read as 0).</param>
public sealed record ManifestKernel(string Primitive, IReadOnlyList<int> Inputs, IReadOnlyList<int> Outputs, string Algorithm, string Layout,
    string? Entry = null, IReadOnlyList<int>? Dispatch = null, IReadOnlyList<double>? Data = null, string? Origin = null, long Flops = 0);

/// <summary>System.Text.Json source-generated (de)serializer for the manifest.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, WriteIndented = true)]
[JsonSerializable(typeof(ModelManifest))]
public sealed partial class ManifestJsonContext : JsonSerializerContext;
