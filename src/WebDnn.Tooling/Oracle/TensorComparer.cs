using System.Globalization;
using System.Text;
using WebDnn.Core;

namespace WebDnn.Tooling.Oracle;

/// <summary>The result of comparing one output with its expected value.</summary>
/// <param name="Name">The output name.</param>
/// <param name="Passed">True when shape and type match and the error is within <see cref="Bound"/>.</param>
/// <param name="MaxAbsError">max |actual - expected| over all elements (NaN where a NaN was not matched).</param>
/// <param name="MaxRelError">max |actual - expected| / |expected| over the elements with expected != 0.</param>
/// <param name="MaxAbsExpected">max |expected|, the scale of the bound.</param>
/// <param name="Bound">The absolute error the tolerance allowed.</param>
/// <param name="WorstIndex">Flat index of the element with the largest absolute error (-1 if none).</param>
/// <param name="Message">Why it failed (shape, dtype, missing output, error size); null when it passed.</param>
public sealed record OutputComparison(
    string Name,
    bool Passed,
    double MaxAbsError,
    double MaxRelError,
    double MaxAbsExpected,
    double Bound,
    long WorstIndex,
    string? Message)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name}: {(Passed ? "ok" : "FAIL")} max|diff|={MaxAbsError:g3} (bound {Bound:g3}, max|expected|={MaxAbsExpected:g3}) max rel={MaxRelError:g3}{(Message is null ? "" : " - " + Message)}");
}

/// <summary>All outputs of one comparison.</summary>
public sealed record ComparisonReport(Tolerance Tolerance, IReadOnlyList<OutputComparison> Outputs)
{
    public bool Passed => Outputs.All(o => o.Passed);

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{(Passed ? "passed" : "FAILED")} at {Tolerance}");
        foreach (var o in Outputs)
        {
            sb.Append("\n  ").Append(o);
        }
        return sb.ToString();
    }
}

/// <summary>Compares outputs with expected values (usually ONNX Runtime's) under a named <see cref="Tolerance"/>.</summary>
public static class TensorComparer
{
    /// <summary>
    /// Compares every expected output with the actual output of the same name. Missing outputs fail;
    /// extra actual outputs are ignored.
    /// </summary>
    public static ComparisonReport Compare(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual, Tolerance tolerance)
    {
        var rows = new List<OutputComparison>();
        foreach (var (name, e) in expected)
        {
            rows.Add(actual.TryGetValue(name, out var a)
                ? Compare(name, e, a, tolerance)
                : new OutputComparison(name, false, double.NaN, double.NaN, double.NaN, double.NaN, -1, "output is missing"));
        }
        return new ComparisonReport(tolerance, rows);
    }

    /// <summary>Compares one tensor. NaN matches NaN and ±∞ must match exactly.</summary>
    public static OutputComparison Compare(string name, Tensor expected, Tensor actual, Tolerance tolerance)
    {
        if (expected.DataType != actual.DataType)
        {
            return Fail($"dtype {actual.DataType.ShortName()}, expected {expected.DataType.ShortName()}");
        }
        if (!expected.Shape.AsSpan().SequenceEqual(actual.Shape))
        {
            return Fail($"shape [{string.Join(",", actual.Shape)}], expected [{string.Join(",", expected.Shape)}]");
        }
        if (expected.DataType == DataType.String)
        {
            var es = (string[])expected.Data;
            var @as = (string[])actual.Data;
            int bad = FirstStringMismatch(es, @as);
            return bad < 0
                ? new OutputComparison(name, true, 0, 0, 0, 0, -1, null)
                : new OutputComparison(name, false, double.NaN, double.NaN, 0, 0, bad, $"string element {bad} differs");
        }

        bool exact = !expected.DataType.IsFloat();
        double maxAbsExpected = 0, maxAbs = 0, maxRel = 0;
        long worst = -1;
        string? special = null;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected.GetDouble(i), a = actual.GetDouble(i);
            if (double.IsNaN(e) || double.IsNaN(a) || double.IsInfinity(e) || double.IsInfinity(a))
            {
                if (!e.Equals(a) && special is null)
                {
                    special = $"element {i} is {a}, expected {e}";
                    worst = i;
                }
                continue;
            }
            maxAbsExpected = Math.Max(maxAbsExpected, Math.Abs(e));
            double d = Math.Abs(a - e);
            if (d > maxAbs)
            {
                maxAbs = d;
                worst = i;
            }
            if (e != 0)
            {
                maxRel = Math.Max(maxRel, d / Math.Abs(e));
            }
        }
        double bound = exact ? 0 : tolerance.Bound(maxAbsExpected);
        if (special is not null)
        {
            return new OutputComparison(name, false, double.NaN, maxRel, maxAbsExpected, bound, worst, special);
        }
        bool ok = maxAbs <= bound;
        string? message = ok ? null : string.Create(CultureInfo.InvariantCulture,
            $"max|diff| {maxAbs:g4} > {bound:g4} at element {worst} ({Index(expected.Shape, worst)}): actual {actual.GetDouble((int)worst):g7}, expected {expected.GetDouble((int)worst):g7}");
        return new OutputComparison(name, ok, maxAbs, maxRel, maxAbsExpected, bound, worst, message);

        OutputComparison Fail(string why) => new(name, false, double.NaN, double.NaN, double.NaN, double.NaN, -1, why);
    }

    private static int FirstStringMismatch(string[] e, string[] a)
    {
        for (int i = 0; i < e.Length; i++)
        {
            if (!string.Equals(e[i], a[i], StringComparison.Ordinal))
            {
                return i;
            }
        }
        return -1;
    }

    private static string Index(int[] shape, long flat)
    {
        var idx = new long[shape.Length];
        for (int k = shape.Length - 1; k >= 0; k--)
        {
            if (shape[k] > 0)
            {
                idx[k] = flat % shape[k];
                flat /= shape[k];
            }
        }
        return "[" + string.Join(",", idx) + "]";
    }
}
