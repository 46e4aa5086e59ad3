using System.Security.Cryptography;
using WebDnn.Core.Kernels;
using WebDnn.Lowering.KernelStage;

namespace WebDnn.Backends.Common;

/// <summary>
/// A backend of the compiler: a folder under WebDnn.Backends with a class implementing this and one line in
/// <see cref="BackendRegistry"/>. It describes its target, names the kernel-level passes it wants, and writes the
/// kernels of a <see cref="TargetProgram"/> into the package. <see cref="PackageWriter"/> does everything else.
/// </summary>
public interface IBackend
{
    /// <summary>The backend's name in manifests, on the command line and in <c>load({ backendOrder })</c>.</summary>
    string Name { get; }

    /// <summary>The facts the passes and the kernel-level stage read (alignment, limits, layouts, algorithms).</summary>
    Target Target { get; }

    /// <summary>Primitives (<see cref="Kernel.Primitive"/>) this backend has an emitter for.</summary>
    IReadOnlySet<string> Primitives { get; }

    /// <summary>The kernel-level stage for this target, in order (usually <see cref="KernelPipelines.Standard"/>).</summary>
    IReadOnlyList<IKernelPass> KernelPasses { get; }

    /// <summary>
    /// Writes this backend's kernel files for <paramref name="tp"/> (planned) through <paramref name="output"/> and returns
    /// one <see cref="BackendKernel"/> per kernel of <c>tp.Program.Kernels</c>, in order.
    /// </summary>
    /// <exception cref="Core.UnsupportedModelException">A kernel this backend cannot run (the message names its ONNX node).</exception>
    IReadOnlyList<BackendKernel> Write(TargetProgram tp, BackendOutput output);
}

/// <summary>A backend's per-kernel manifest data (besides what <see cref="PackageWriter"/> fills in).</summary>
/// <param name="Entry">Entry point (export, shader) name, if any.</param>
/// <param name="Dispatch">Work sizes, if any.</param>
/// <param name="Data">Backend-specific numbers, if any.</param>
public sealed record BackendKernel(string? Entry = null, IReadOnlyList<int>? Dispatch = null, IReadOnlyList<double>? Data = null);

/// <summary>Where a backend writes its files: inside the package being built; each file is sized and hashed for the manifest.</summary>
public sealed class BackendOutput(string dir, IProgress<string>? progress)
{
    private readonly List<ManifestFile> _files = [];

    public IProgress<string>? Progress { get; } = progress;

    public IReadOnlyList<ManifestFile> Files => _files;

    /// <summary>
    /// Writes one kernel file. <paramref name="name"/> is chosen by the backend (never from the model) and is the name its
    /// runtime loader asks for; the file itself is content-addressed like the weight shards (<c>kernels.HASH.js</c>,
    /// <see cref="PackageWriter.ContentAddressedName"/>), so a changed kernel gets a new URL and HTTP caches may keep it forever.
    /// </summary>
    public void WriteFile(string name, ReadOnlySpan<byte> bytes)
    {
        if (name.Length == 0 || name.IndexOfAny(['/', '\\', '\0']) >= 0 || name.StartsWith('.') || name == "model.json" || name.StartsWith("weights-", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"backend file name '{name}' is not a plain file name of its own");
        }
        if (_files.Any(f => PackageWriter.LogicalName(f.File) == name))
        {
            throw new InvalidOperationException($"backend file '{name}' written twice");
        }
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        string file = PackageWriter.ContentAddressedName(name, sha);
        File.WriteAllBytes(Path.Combine(dir, file), bytes.ToArray());
        _files.Add(new ManifestFile(file, bytes.Length, sha));
    }

    public void WriteText(string name, string text) => WriteFile(name, System.Text.Encoding.UTF8.GetBytes(text));
}
