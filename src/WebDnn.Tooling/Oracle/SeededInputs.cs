using WebDnn.Core;

namespace WebDnn.Tooling.Oracle;

/// <summary>
/// Deterministic model inputs. Each input draws from its own <see cref="Random"/> seeded with
/// <c>seed</c> mixed with a stable hash of the input name, so the values do not depend on the
/// order of the inputs nor on the process (string.GetHashCode is randomised; FNV-1a is not).
/// </summary>
public static class SeededInputs
{
    /// <summary>Token ids are drawn from [0, TokenIdLimit): inside every vocabulary we test (BERT 30522).</summary>
    public const int TokenIdLimit = 1000;

    public static Dictionary<string, Tensor> Create(IEnumerable<InputSpec> inputs, int seed = 42)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var spec in inputs)
        {
            result.Add(spec.Name, Create(spec, seed));
        }
        return result;
    }

    public static Tensor Create(InputSpec spec, int seed = 42)
    {
        var rng = new Random(unchecked(seed * 31 + (int)Fnv1a(spec.Name)));
        int n = checked((int)Tensor.ElementCount(spec.Shape));
        var domain = Resolve(spec);
        var t = Tensor.Zeros(spec.DataType, spec.Shape);
        switch (domain)
        {
            case InputDomain.Ones:
                Fill(t, n, _ => 1);
                break;
            case InputDomain.Zeros:
                break;
            case InputDomain.TokenIds:
                Fill(t, n, _ => rng.Next(0, TokenIdLimit));
                break;
            case InputDomain.Unit:
                Fill(t, n, _ => rng.NextDouble());
                break;
            case InputDomain.Pixels255:
                Fill(t, n, _ => rng.NextDouble() * 255);
                break;
            case InputDomain.Symmetric when spec.DataType == DataType.Bool:
                Fill(t, n, _ => rng.Next(2));
                break;
            case InputDomain.Symmetric when spec.DataType.IsInteger():
                Fill(t, n, _ => rng.Next(-1, 2));
                break;
            default:
                Fill(t, n, _ => rng.NextDouble() * 2 - 1);
                break;
        }
        return t;
    }

    /// <summary>The domain <see cref="InputDomain.Auto"/> stands for, given the input's name and type.</summary>
    public static InputDomain Resolve(InputSpec spec)
    {
        if (spec.Domain != InputDomain.Auto)
        {
            return spec.Domain;
        }
        if (spec.DataType.IsInteger())
        {
            string name = spec.Name.ToLowerInvariant();
            return name.Contains("mask") ? InputDomain.Ones
                : name.Contains("token_type") || name.Contains("segment") ? InputDomain.Zeros
                : InputDomain.TokenIds;
        }
        return InputDomain.Symmetric;
    }

    private static void Fill(Tensor t, int n, Func<int, double> next)
    {
        if (t.DataType == DataType.String)
        {
            throw new NotSupportedException($"cannot seed a string input ({t})");
        }
        for (int i = 0; i < n; i++)
        {
            t.SetDouble(i, next(i));
        }
    }

    private static uint Fnv1a(string s)
    {
        uint h = 2166136261;
        foreach (char c in s)
        {
            h = unchecked((h ^ c) * 16777619);
        }
        return h;
    }
}
