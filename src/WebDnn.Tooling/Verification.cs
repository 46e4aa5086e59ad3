using WebDnn.Compiler;
using WebDnn.Core;
using WebDnn.Ops.Reference;
using WebDnn.Tooling.Oracle;

namespace WebDnn.Tooling;

/// <summary>What verify feeds besides seeded defaults: input files (--input NAME=FILE.npy) and synthetic value ranges (--input-range).</summary>
public sealed record VerifyInputs
{
    public Dictionary<string, Tensor> Files { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The range of every seeded input not named in <see cref="Ranges"/> (null: chosen per input, <see cref="InputDomain.Auto"/>).</summary>
    public InputDomain? Range { get; init; }

    public Dictionary<string, InputDomain> Ranges { get; init; } = new(StringComparer.Ordinal);

    public bool IsEmpty => Files.Count == 0 && Range is null && Ranges.Count == 0;
}

/// <summary>One row of a verify report: a backend/stage compared with ONNX Runtime.</summary>
public sealed record VerifyResult(string Backend, string Stage, ComparisonReport Report);

/// <summary>
/// Runs a model through ONNX Runtime and through our pipeline on the same seeded input and compares them
/// (the library side of `webdnn verify`). Backends: "reference" (the C# evaluator before and after optimization);
/// browser backends ("js") compile a package and run it in headless Chromium.
/// </summary>
public static class Verification
{
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

    /// <summary>
    /// The inputs verify feeds: seeded values for every input (catalogued models use their documented shapes and value
    /// ranges), in the range <paramref name="given"/> names, replaced by the files it gives. Symbolic dimensions need
    /// --shape (per input or per symbol, as in compile); an input file fixes its input's shape.
    /// </summary>
    /// <exception cref="UsageException">An unknown input name, a file of the wrong element type, or a symbolic dimension without a size.</exception>
    public static Dictionary<string, Tensor> ChooseInputs(string modelPath, Graph g, IReadOnlyDictionary<string, long[]> shapes, VerifyInputs given)
    {
        var names = g.Inputs.Where(v => v.Const is null).Select(v => v.Name).ToList();
        foreach (var name in given.Files.Keys.Concat(given.Ranges.Keys).Where(n => !names.Contains(n)))
        {
            throw new UsageException($"--input {Display.Escape(name)}: the model has no such input; its inputs are {string.Join(", ", names.Select(Display.Quote))}");
        }
        var known = KnownModel(modelPath);
        if (known is not null && shapes.Count == 0 && given.IsEmpty)
        {
            return SeededInputs.Create(known.Inputs, 42);
        }
        var keys = new Dictionary<string, long[]>(shapes, StringComparer.Ordinal);
        foreach (var (name, t) in given.Files)
        {
            keys[name] = t.Shape.Select(d => (long)d).ToArray();
        }
        var resolved = InputShapes.Resolve(g, keys, requireStatic: true);
        using var ort = new OrtOracle(ModelFiles.EnsurePlainOnnx(modelPath));
        var specs = ort.Inputs().Select(s => s with
        {
            Shape = resolved.TryGetValue(s.Name, out var d) ? d.Select(x => (int)x).ToArray() : s.Shape,
            Domain = given.Ranges.TryGetValue(s.Name, out var r) ? r : given.Range ?? s.Domain,
        }).ToList();
        var inputs = SeededInputs.Create(specs, 42);
        foreach (var (name, t) in given.Files)
        {
            var spec = specs.First(s => s.Name == name);
            if (spec.DataType != t.DataType)
            {
                throw new UsageException($"--input {Display.Escape(name)}: the file holds {t.DataType.ShortName()}, the model's input is {spec.DataType.ShortName()}");
            }
            inputs[name] = t;
        }
        return inputs;
    }

    public static async Task<List<VerifyResult>> RunAsync(string modelPath, IEnumerable<string> backends, CompileSettings settings, IProgress<string>? progress = null,
        VerifyInputs? given = null)
    {
        string plain = ModelFiles.EnsurePlainOnnx(modelPath);
        var g0 = ModelCompiler.Import(modelPath);
        var inputs = ChooseInputs(modelPath, g0, settings.Shapes, given ?? new VerifyInputs());
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
                    var tolerance = expected.Values.Any(t => t.DataType == DataType.Float16) ? Tolerance.Fp16 : backend == "js" ? Tolerance.Fp32Js : Tolerance.Fp32Fast;
                    results.Add(new VerifyResult(backend, "browser", TensorComparer.Compare(expected, run.Outputs, tolerance)));
                    break;
            }
        }
        return results;
    }
}
