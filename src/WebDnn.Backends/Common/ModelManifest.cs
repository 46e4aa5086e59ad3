using System.Text.Json.Serialization;

namespace WebDnn.Backends.Common;

// The model package contract (model.json). runtime/src/manifest.generated.ts is generated from these records by
// ManifestTypeScript; a test fails when the checked-in file differs. Change a record => bump FormatVersion.

/// <summary>The manifest of a model package: what the runtime needs to allocate, load and dispatch.</summary>
/// <param name="FormatVersion">Package format version (<see cref="CurrentFormatVersion"/>); the runtime refuses others.</param>
/// <param name="Inputs">Graph inputs in call order.</param>
/// <param name="Outputs">Graph outputs in result order.</param>
/// <param name="Buffers">Every buffer of the lowered program, indexed by id.</param>
/// <param name="ArenaBytes">Bytes of the arena that holds inputs, outputs and activations.</param>
/// <param name="WeightBytes">Bytes of the weight region: the concatenation of all shards.</param>
/// <param name="Shards">Weight shard files in order.</param>
/// <param name="Weights">Where each weight buffer's bytes are in the shards.</param>
/// <param name="Backends">Per-backend kernels; a backend without kernels here is not in the package.</param>
public sealed record ModelManifest(
    int FormatVersion,
    IReadOnlyList<ManifestTensor> Inputs,
    IReadOnlyList<ManifestTensor> Outputs,
    IReadOnlyList<ManifestBuffer> Buffers,
    long ArenaBytes,
    long WeightBytes,
    IReadOnlyList<ManifestShard> Shards,
    IReadOnlyList<ManifestWeight> Weights,
    ManifestBackends Backends)
{
    public const int CurrentFormatVersion = 1;
}

/// <summary>A graph input or output.</summary>
/// <param name="Name">Name in the ONNX graph (data only: never emitted into generated code).</param>
/// <param name="Dtype">ONNX element type short name (f32, i64, bool, ...); the runtime converts to the buffer's type.</param>
/// <param name="Shape">Static shape.</param>
/// <param name="BufferId">The buffer that holds it.</param>
public sealed record ManifestTensor(string Name, string Dtype, IReadOnlyList<int> Shape, int BufferId);

/// <summary>A storage location of the lowered program.</summary>
/// <param name="Id">Index into <see cref="ModelManifest.Buffers"/>.</param>
/// <param name="Dtype">Element type.</param>
/// <param name="Shape">Static shape.</param>
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
/// <param name="File">File name inside the package (weights-N.bin).</param>
/// <param name="ByteLength">Exact size in bytes.</param>
/// <param name="Sha256">SHA-256 of the file, lowercase hex.</param>
public sealed record ManifestShard(string File, long ByteLength, string Sha256);

/// <summary>Where one weight buffer's bytes are. A weight bigger than a shard continues in the following shards.</summary>
/// <param name="BufferId">The weight buffer.</param>
/// <param name="Shard">Index of the shard holding its first byte.</param>
/// <param name="ShardOffset">Byte offset of its first byte in that shard.</param>
/// <param name="ByteLength">Its size in bytes (little-endian f32/i32; bool as one byte each).</param>
public sealed record ManifestWeight(int BufferId, int Shard, long ShardOffset, long ByteLength);

/// <summary>Kernels per backend (null: the package was compiled without that backend).</summary>
/// <param name="Js">Plain JavaScript kernels.</param>
public sealed record ManifestBackends(JsBackendManifest? Js);

/// <summary>The js backend: an ES module exporting <c>createKernels(): ((bufs) => void)[]</c>, one function per kernel.</summary>
/// <param name="Module">File name of the kernels module.</param>
/// <param name="Kernels">The kernels in execution order (the module's functions are in the same order).</param>
public sealed record JsBackendManifest(string Module, IReadOnlyList<ManifestKernel> Kernels);

/// <summary>One kernel dispatch.</summary>
/// <param name="Primitive">Primitive name (elementwise, conv, ...).</param>
/// <param name="Inputs">Input buffer ids.</param>
/// <param name="Outputs">Output buffer ids.</param>
public sealed record ManifestKernel(string Primitive, IReadOnlyList<int> Inputs, IReadOnlyList<int> Outputs);

/// <summary>System.Text.Json source-generated (de)serializer for the manifest.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, WriteIndented = true)]
[JsonSerializable(typeof(ModelManifest))]
public sealed partial class ManifestJsonContext : JsonSerializerContext;
