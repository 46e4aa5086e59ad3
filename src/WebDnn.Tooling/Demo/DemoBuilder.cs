using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using WebDnn.Backends.Common;
using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Tooling.Bench;
using WebDnn.Tooling.Models;

namespace WebDnn.Tooling.Demo;

/// <summary>Options of <see cref="DemoBuilder.BuildAsync(string, DemoOptions, IProgress{string}?, CancellationToken)"/>.</summary>
public sealed record DemoOptions
{
    /// <summary>Catalog names of the models to compile (default: every <see cref="DemoModel.All"/>).</summary>
    public IReadOnlyList<string>? Models { get; init; }

    /// <summary>Backends to generate kernels for (default: all this build supports).</summary>
    public IReadOnlyList<string>? Backends { get; init; }

    /// <summary>The folder with the pages (default: <see cref="DemoBuilder.FindAssets"/>).</summary>
    public string? AssetsDir { get; init; }

    /// <summary>The runtime module (default: <see cref="BenchAssets.RuntimeScript"/>).</summary>
    public string? RuntimeScript { get; init; }

    /// <summary>Where models are fetched and cached (default: <see cref="ModelZoo.Default"/>).</summary>
    public ModelZoo? Zoo { get; init; }

    /// <summary>Recompile packages even when their stamp says they are up to date.</summary>
    public bool Force { get; init; }

    /// <summary>Report every pass and kernel-level pass per backend per model (default: one line per model when it is done).</summary>
    public bool Verbose { get; init; }
}

/// <summary>What a build produced.</summary>
/// <param name="Folder">The folder to serve (pages, webdnn.mjs, models.json, models/).</param>
/// <param name="Index">The contents of models.json.</param>
public sealed record DemoBuildResult(string Folder, DemoIndex Index);

/// <summary>
/// Prepares the folder that <c>webdnn demo</c> serves: the static pages of demo/, the runtime (webdnn.mjs), one model
/// package per demo model under models/NAME/, and models.json listing them. Packages are compiled only when their
/// source model, the compiler build or the backend list changed since the last build (a stamp file in each package).
/// A model that cannot be fetched or compiled does not stop the build: models.json carries its error and the pages
/// show it.
/// </summary>
public static class DemoBuilder
{
    private const string StampFile = ".demo-stamp";

    /// <summary>The default output folder: ~/.cache/webdnn/demo (or under $WEBDNN_CACHE).</summary>
    public static string DefaultOutputDir => Path.Combine(SharedData.CacheDir, "demo");

    /// <summary>Builds every demo model into <paramref name="outDir"/>; returns the folder to serve.</summary>
    public static async Task<string> BuildAsync(string outDir, IProgress<string>? progress, CancellationToken cancellation) =>
        (await BuildAsync(outDir, new DemoOptions(), progress, cancellation).ConfigureAwait(false)).Folder;

    /// <summary>Builds the demo folder with explicit options.</summary>
    /// <exception cref="WebDnnException">The pages or the runtime cannot be found.</exception>
    public static async Task<DemoBuildResult> BuildAsync(string outDir, DemoOptions options, IProgress<string>? progress, CancellationToken cancellation)
    {
        var models = (options.Models ?? DemoModel.All.Select(m => m.Name).ToList()).Select(DemoModel.Get).ToList();
        var backends = options.Backends ?? PackageWriter.SupportedBackends;
        string assets = options.AssetsDir ?? FindAssets();
        string runtime = options.RuntimeScript ?? BenchAssets.RuntimeScript()
            ?? throw new WebDnnException(ExitCodes.Internal,
                "the runtime (runtime/dist/webdnn.mjs) is not built; `dotnet build` builds it (needs Node.js >= 20), or set WEBDNN_RUNTIME to a built webdnn.mjs");
        var zoo = options.Zoo ?? ModelZoo.Default;
        string folder = Path.GetFullPath(outDir);
        Directory.CreateDirectory(folder);

        progress?.Report($"demo: copying the pages from {assets} and the runtime to {folder}");
        CopyAssets(assets, folder);
        File.Copy(runtime, Path.Combine(folder, "webdnn.mjs"), overwrite: true);

        var entries = new List<DemoIndexEntry>();
        foreach (var model in models)
        {
            cancellation.ThrowIfCancellationRequested();
            entries.Add(await BuildModelAsync(model, zoo, folder, backends, options, progress, cancellation).ConfigureAwait(false));
        }
        var index = new DemoIndex(DemoIndex.CurrentVersion, "webdnn.mjs", entries);
        await File.WriteAllTextAsync(Path.Combine(folder, "models.json"), JsonSerializer.Serialize(index, DemoJsonContext.Default.DemoIndex), cancellation)
            .ConfigureAwait(false);
        int failed = entries.Count(e => e.Error is not null);
        progress?.Report(failed == 0
            ? $"demo: {entries.Count} model(s) ready in {folder}"
            : $"demo: {entries.Count - failed} of {entries.Count} model(s) ready; not compiled: {string.Join(", ", entries.Where(e => e.Error is not null).Select(e => e.Name))} (the pages say why)");
        return new DemoBuildResult(folder, index);
    }

    /// <summary>
    /// The demo pages: $WEBDNN_DEMO_ASSETS, else demo/ next to the assembly, else the repository's demo/ found by
    /// walking up from the assembly's folder and from the current directory.
    /// </summary>
    /// <exception cref="WebDnnException">No demo folder was found.</exception>
    public static string FindAssets()
    {
        if (Environment.GetEnvironmentVariable("WEBDNN_DEMO_ASSETS") is { Length: > 0 } env)
        {
            return File.Exists(Path.Combine(env, "face.html")) ? Path.GetFullPath(env)
                : throw new WebDnnException(ExitCodes.Usage, $"WEBDNN_DEMO_ASSETS='{env}' has no face.html");
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "demo");
                if (File.Exists(Path.Combine(candidate, "face.html")) && File.Exists(Path.Combine(candidate, "index.html")))
                {
                    return candidate;
                }
            }
        }
        throw new WebDnnException(ExitCodes.Internal,
            $"cannot find the demo pages (demo/face.html) next to {AppContext.BaseDirectory} or above {Directory.GetCurrentDirectory()}; set WEBDNN_DEMO_ASSETS");
    }

    /// <summary>Copies the pages (every file of the assets folder and its subfolders, except hidden ones).</summary>
    private static void CopyAssets(string assets, string folder)
    {
        string root = Path.GetFullPath(assets);
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(root, file);
            if (rel.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')) || rel.StartsWith("models" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                || rel is "models.json" or "webdnn.mjs")
            {
                continue;
            }
            string dest = Path.Combine(folder, rel);
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest, overwrite: true);
        }
    }

    /// <remarks>Without <see cref="DemoOptions.Verbose"/> the model reports one line, when it is done (up to date, compiled, or why not).</remarks>
    private static async Task<DemoIndexEntry> BuildModelAsync(DemoModel model, ModelZoo zoo, string folder, IReadOnlyList<string> backends, DemoOptions options,
        IProgress<string>? progress, CancellationToken cancellation)
    {
        var detail = options.Verbose ? progress : null;
        var info = ModelZoo.Get(model.Name);
        string rel = $"models/{model.Name}/";
        string dir = Path.Combine(folder, "models", model.Name);
        DemoIndexEntry Entry(ModelManifest? m, string? error) => new(
            model.Name, model.Title, model.Group, rel, info.IsReal, info.License, info.Description, model.GFlops,
            m?.WeightBytes ?? 0,
            m is null ? [] : BackendsOf(m),
            m?.Inputs.Select(t => new DemoTensor(t.Name, t.Dtype, t.Shape)).ToList() ?? [],
            m?.Outputs.Select(t => new DemoTensor(t.Name, t.Dtype, t.Shape)).ToList() ?? [],
            error);
        try
        {
            detail?.Report($"demo: {model.Name}: fetching {info.Source}");
            string onnx = await zoo.GetPathAsync(info, cancellation).ConfigureAwait(false);
            string stamp = Stamp(onnx, backends);
            string stampPath = Path.Combine(dir, StampFile);
            if (!options.Force && File.Exists(Path.Combine(dir, "model.json")) && File.Exists(stampPath)
                && await File.ReadAllTextAsync(stampPath, cancellation).ConfigureAwait(false) == stamp)
            {
                progress?.Report($"demo: {model.Name}: up to date");
                return Entry(PackageWriter.ReadManifest(dir), null);
            }
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var manifest = await Task.Run(() =>
            {
                detail?.Report($"demo: {model.Name}: compiling {Path.GetFileName(onnx)}");
                var compiled = ModelCompiler.Compile(onnx, new CompileSettings { Progress = Prefixed(detail, $"demo: {model.Name}: ") });
                cancellation.ThrowIfCancellationRequested();
                // NOTE: one line per weight shard is too much next to eight models, even verbose; the shards are summed up instead.
                return PackageWriter.Write(compiled.Program!, dir, backends, Prefixed(detail, $"demo: {model.Name}: ", skip: "wrote weights-"));
            }, cancellation).ConfigureAwait(false);
            progress?.Report(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"demo: {model.Name}: compiled in {clock.Elapsed.TotalSeconds:0.0} s for {string.Join(", ", manifest.Backends.Keys)}; {manifest.Shards.Count} weight shard(s), {manifest.WeightBytes / 1048576.0:0.0} MiB"));
            await File.WriteAllTextAsync(stampPath, stamp, cancellation).ConfigureAwait(false);
            return Entry(manifest, null);
        }
        catch (Exception e) when (e is WebDnnException or IOException or HttpRequestException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            // NOTE: one model failing (an unsupported op, no network for the npm fetch) must not take the gallery down.
            string why = e.Message;
            progress?.Report($"demo: {model.Name}: not compiled: {why}");
            return Entry(null, why);
        }
    }

    private static List<string> BackendsOf(ModelManifest m) => [.. m.Backends.Keys];

    /// <summary>
    /// Identifies what a package was built from: the model file (path, size, time), the backends and the compiler
    /// build (module version ids of the assemblies that shape the output).
    /// </summary>
    private static string Stamp(string onnx, IReadOnlyList<string> backends)
    {
        var file = new FileInfo(onnx);
        var sb = new StringBuilder();
        sb.Append(file.FullName).Append('|').Append(file.Length).Append('|').Append(file.LastWriteTimeUtc.Ticks).Append('|').AppendJoin(',', backends);
        foreach (var type in new[] { typeof(ModelCompiler), typeof(PackageWriter), typeof(Lowering.Lowerer), typeof(Passes.IGraphPass), typeof(Ops.OpRegistry) })
        {
            sb.Append('|').Append(type.Assembly.ManifestModule.ModuleVersionId);
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private static Progress? Prefixed(IProgress<string>? inner, string prefix, string? skip = null) => inner is null ? null : new Progress(inner, prefix, skip);

    /// <summary>Forwards progress lines with a prefix, dropping those that start with <paramref name="skip"/>.</summary>
    private sealed class Progress(IProgress<string> inner, string prefix, string? skip) : IProgress<string>
    {
        public void Report(string value)
        {
            if (skip is null || !value.StartsWith(skip, StringComparison.Ordinal))
            {
                inner.Report(prefix + value);
            }
        }
    }
}
