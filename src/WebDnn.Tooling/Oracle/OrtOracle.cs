using Microsoft.ML.OnnxRuntime;
using WebDnn.Core;
using Tensor = WebDnn.Core.Tensor;
using TensorElementType = Microsoft.ML.OnnxRuntime.Tensors.TensorElementType;

namespace WebDnn.Tooling.Oracle;

/// <summary>
/// The test oracle: runs a model file through native ONNX Runtime (CPU) and returns its outputs as
/// <see cref="Tensor"/>s by output name. Graph optimisations are limited to ORT's "basic" level
/// (constant folding, redundant-node removal) so that no approximate fused kernel stands between the
/// model's ops and the expected values.
/// </summary>
public sealed class OrtOracle : IDisposable
{
    private readonly InferenceSession _session;

    public OrtOracle(string modelPath, GraphOptimizationLevel optimization = GraphOptimizationLevel.ORT_ENABLE_BASIC)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = optimization,
            // ORT warns about unused initializers in some exported models; the oracle is not the place to show that.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        try
        {
            _session = new InferenceSession(modelPath, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidModelException($"ONNX Runtime cannot load {modelPath}: {e.Message}", e);
        }
        ModelPath = modelPath;
    }

    public string ModelPath { get; }

    /// <summary>Output names in the model's order.</summary>
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>Runs <paramref name="modelPath"/> once on <paramref name="inputs"/>.</summary>
    public static Dictionary<string, Tensor> Run(string modelPath, IReadOnlyDictionary<string, Tensor> inputs)
    {
        using var oracle = new OrtOracle(modelPath);
        return oracle.Run(inputs);
    }

    /// <summary>
    /// The graph inputs (initializers excluded) with concrete shapes: a symbolic dimension takes its
    /// value from <paramref name="dims"/> by name, or 1. Domains are <see cref="InputDomain.Auto"/>.
    /// </summary>
    public IReadOnlyList<InputSpec> Inputs(IReadOnlyDictionary<string, int>? dims = null)
    {
        var specs = new List<InputSpec>();
        foreach (var name in _session.InputNames)
        {
            var meta = _session.InputMetadata[name];
            if (!meta.IsTensor)
            {
                throw new UnsupportedModelException($"input '{name}' is a {meta.OnnxValueType}, only tensors are supported");
            }
            var shape = new int[meta.Dimensions.Length];
            for (int i = 0; i < shape.Length; i++)
            {
                string symbol = meta.SymbolicDimensions.Length > i ? meta.SymbolicDimensions[i] : "";
                shape[i] = meta.Dimensions[i] >= 0 ? meta.Dimensions[i]
                    : dims is not null && dims.TryGetValue(symbol, out int v) ? v
                    : 1;
            }
            specs.Add(new InputSpec(name, (DataType)(int)meta.ElementDataType, shape));
        }
        return specs;
    }

    /// <summary>Runs the model and returns every output by name.</summary>
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var missing = _session.InputNames.Where(n => !inputs.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"missing input(s) {string.Join(", ", missing)} for {Path.GetFileName(ModelPath)}", nameof(inputs));
        }
        var values = new Dictionary<string, OrtValue>(StringComparer.Ordinal);
        try
        {
            foreach (var name in _session.InputNames)
            {
                values.Add(name, ToOrtValue(inputs[name]));
            }
            using var runOptions = new RunOptions();
            using var outputs = _session.Run(runOptions, values, _session.OutputNames);
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            int k = 0;
            foreach (var output in outputs)
            {
                result.Add(_session.OutputNames[k++], FromOrtValue(output));
            }
            return result;
        }
        finally
        {
            foreach (var v in values.Values)
            {
                v.Dispose();
            }
        }
    }

    public void Dispose() => _session.Dispose();

    /// <summary>Copies a tensor into a new ORT-owned value (every numeric type goes through its raw bytes).</summary>
    internal static OrtValue ToOrtValue(Tensor t)
    {
        var shape = t.Shape.Select(d => (long)d).ToArray();
        if (t.DataType == DataType.String)
        {
            var s = OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape);
            var strings = (string[])t.Data;
            for (int i = 0; i < strings.Length; i++)
            {
                s.StringTensorSetElementAt(strings[i].AsSpan(), i);
            }
            return s;
        }
        var value = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, (TensorElementType)(int)t.DataType, shape);
        t.ToBytes().CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    internal static Tensor FromOrtValue(OrtValue value)
    {
        if (!value.IsTensor)
        {
            throw new UnsupportedModelException($"ONNX Runtime returned a {value.OnnxType}, only tensors are supported");
        }
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape.Select(d => checked((int)d)).ToArray();
        if (info.IsString)
        {
            return new Tensor(DataType.String, shape, value.GetStringTensorAsArray());
        }
        var dataType = (DataType)(int)info.ElementDataType;
        return Tensor.FromBytes(dataType, shape, value.GetTensorMutableRawData());
    }
}
