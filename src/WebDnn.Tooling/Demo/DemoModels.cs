using System.Text.Json.Serialization;

namespace WebDnn.Tooling.Demo;

/// <summary>Which demo page shows a model.</summary>
public enum DemoGroup
{
    /// <summary>The face detection page (trained BlazeFace).</summary>
    [JsonStringEnumMemberName("face")] Face,

    /// <summary>The speed page (the zoo's untrained networks: timing only).</summary>
    [JsonStringEnumMemberName("speed")] Speed,
}

/// <summary>A model the demo compiles: its catalog name in <see cref="Models.ModelZoo"/> and how the pages present it.</summary>
/// <param name="Name">Catalog name (also the package folder under models/).</param>
/// <param name="Title">Shown on the pages.</param>
/// <param name="Group">The page that uses it.</param>
/// <param name="GFlops">Multiply-adds × 2 per run, from the zoo's README (null when not listed).</param>
public sealed record DemoModel(string Name, string Title, DemoGroup Group, double? GFlops = null)
{
    /// <summary>Every model of the demo: BlazeFace for the face page, the zoo's image networks for the speed page.</summary>
    public static IReadOnlyList<DemoModel> All { get; } =
    [
        new("blazeface_front", "BlazeFace short-range (front camera, 128×128)", DemoGroup.Face),
        new("blazeface_back", "BlazeFace full-range (back camera, 256×256)", DemoGroup.Face),
        new("squeezenet1_1", "SqueezeNet 1.1", DemoGroup.Speed, 0.7),
        new("mobilenet_v2", "MobileNetV2", DemoGroup.Speed, 0.6),
        new("resnet50", "ResNet50", DemoGroup.Speed, 8.2),
        new("inception_v3", "Inception-v3", DemoGroup.Speed, 11.5),
        new("style_transfer", "Style transfer (Johnson et al., 256×256)", DemoGroup.Speed, 16.5),
        new("vgg16", "VGG16", DemoGroup.Speed, 31),
    ];

    /// <summary>The entry named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="Core.UsageException">No demo model has that name.</exception>
    public static DemoModel Get(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new Core.UsageException($"no demo model '{name}'; known: {string.Join(", ", All.Select(m => m.Name))}");
}

/// <summary>The demo folder's models.json: what was compiled, read by the pages.</summary>
/// <param name="Version">Format version of this file.</param>
/// <param name="Runtime">The runtime module next to the pages.</param>
/// <param name="Models">One entry per demo model, compiled or not.</param>
public sealed record DemoIndex(int Version, string Runtime, IReadOnlyList<DemoIndexEntry> Models)
{
    public const int CurrentVersion = 1;
}

/// <summary>One model of models.json.</summary>
/// <param name="Name">Catalog name.</param>
/// <param name="Title">Display title.</param>
/// <param name="Group">Page that shows it.</param>
/// <param name="Path">Package folder, relative to the demo folder, ending in '/' (what <c>load()</c> takes).</param>
/// <param name="Trained">True for real trained weights; false for the zoo's untrained ones (timing only).</param>
/// <param name="License">License of the weights.</param>
/// <param name="Description">One line about the model.</param>
/// <param name="GFlops">Work per run, when known.</param>
/// <param name="WeightBytes">Bytes of the package's weight shards.</param>
/// <param name="Backends">Backends the package has kernels for.</param>
/// <param name="Inputs">Inputs as in the package manifest.</param>
/// <param name="Outputs">Outputs as in the package manifest.</param>
/// <param name="Error">Why the model could not be fetched or compiled (null when it was).</param>
public sealed record DemoIndexEntry(
    string Name,
    string Title,
    DemoGroup Group,
    string Path,
    bool Trained,
    string License,
    string Description,
    [property: JsonPropertyName("gflops")] double? GFlops,
    long WeightBytes,
    IReadOnlyList<string> Backends,
    IReadOnlyList<DemoTensor> Inputs,
    IReadOnlyList<DemoTensor> Outputs,
    string? Error);

/// <summary>A model input or output as the pages see it.</summary>
public sealed record DemoTensor(string Name, string Dtype, IReadOnlyList<int> Shape);

/// <summary>System.Text.Json source-generated serializer for models.json.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DemoIndex))]
public sealed partial class DemoJsonContext : JsonSerializerContext;
