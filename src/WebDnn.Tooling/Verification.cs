using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Ops.Reference;
using WebDnn.Tooling.Oracle;

namespace WebDnn.Tooling;

/// <summary>One row of a verify report: a backend/stage compared with ONNX Runtime.</summary>
public sealed record VerifyResult(string Backend, string Stage, ComparisonReport Report);

/// <summary>
/// Runs a model through ONNX Runtime and through our pipeline on the same seeded input and compares them
/// (the library side of `webdnn verify`). Backends: "reference" (the C# evaluator before and after optimization);
/// browser backends ("js") compile a package and run it in headless Chromium.
/// </summary>
public static class Verification
{
    /// <summary>Seeded inputs for a model, with symbolic dims fixed by <paramref name="shapes"/> (else 1).</summary>
    public static Dictionary<string, Tensor> MakeInputs(string plainModelPath, IReadOnlyDictionary<string, long[]> shapes, int seed = 42)
    {
        using var ort = new OrtOracle(plainModelPath);
        var specs = ort.Inputs().Select(s => shapes.TryGetValue(s.Name, out var dims)
            ? s with { Shape = dims.Select(d => (int)d).ToArray() }
            : s).ToList();
        return SeededInputs.Create(specs, seed);
    }

    /// <summary>The catalog entry whose file this is (resnet50.onnx.gz, minilm_l6_v2-24.9.52193.onnx…), if any.</summary>
    public static Models.ModelInfo? KnownModel(string path)
    {
        string file = Path.GetFileName(path);
        foreach (var ext in new[] { ".gz", ".onnx" })
        {
            if (file.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                file = file[..^ext.Length];
            }
        }
        return Models.ModelZoo.Models.FirstOrDefault(m => file == m.Name || file.StartsWith(m.Name + "-", StringComparison.Ordinal));
    }

    public static async Task<List<VerifyResult>> RunAsync(string modelPath, IEnumerable<string> backends, CompileSettings settings, IProgress<string>? progress = null)
    {
        string plain = ModelFiles.EnsurePlainOnnx(modelPath);
        var g0 = ModelCompiler.Import(modelPath);
        // Catalogued models (zoo and real) use their documented input shapes and value ranges.
        var known = KnownModel(modelPath);
        var inputs = known is not null && settings.Shapes.Count == 0 ? SeededInputs.Create(known.Inputs, 42) : MakeInputs(plain, settings.Shapes);
        progress?.Report("running ONNX Runtime (the oracle)");
        var expected = OrtOracle.Run(plain, inputs);
        var results = new List<VerifyResult>();
        foreach (var backend in backends)
        {
            switch (backend)
            {
                case "reference":
                    progress?.Report("reference evaluator, imported graph");
                    results.Add(new VerifyResult("reference", "imported", TensorComparer.Compare(expected, Interpreter.Run(g0, inputs), Tolerance.Fp32Reference)));
                    progress?.Report("optimizing");
                    var g1 = ModelCompiler.Import(modelPath);
                    var fixedShapes = new Dictionary<string, long[]>(settings.Shapes, StringComparer.Ordinal);
                    foreach (var kv in inputs)
                    {
                        fixedShapes.TryAdd(kv.Key, kv.Value.Shape.Select(d => (long)d).ToArray());
                    }
                    ModelCompiler.Optimize(g1, settings with { Shapes = fixedShapes }, []);
                    progress?.Report("reference evaluator, optimized graph");
                    results.Add(new VerifyResult("reference", "optimized", TensorComparer.Compare(expected, Interpreter.Run(g1, inputs), Tolerance.Fp32Reference)));
                    break;
                default:
                    if (!Backends.Common.PackageWriter.SupportedBackends.Contains(backend))
                    {
                        throw new UsageException($"backend '{backend}' does not exist yet; available: reference, {string.Join(", ", Backends.Common.PackageWriter.SupportedBackends)}");
                    }
                    progress?.Report($"compiling and running on '{backend}' in headless Chromium");
                    var run = await Packages.BrowserPackageRunner.CompileAndRunAsync(modelPath, settings, inputs, backend, 0, progress).ConfigureAwait(false);
                    // f16 outputs are f32 results rounded to f16 at the boundary, while ONNX Runtime rounds after every op.
                    var tolerance = expected.Values.Any(t => t.DataType == DataType.Float16) ? Tolerance.Fp16 : Tolerance.Fp32Js;
                    results.Add(new VerifyResult(backend, "browser", TensorComparer.Compare(expected, run.Outputs, tolerance)));
                    break;
            }
        }
        return results;
    }
}
