using System.Globalization;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Js;

/// <summary>
/// What a kernel emitter writes into: the body of one kernel function <c>(b) =&gt; {...}</c> (inputs bound to x0.., outputs
/// to y0..) and, through <c>Table</c>/<c>Scratch</c>, constants and scratch arrays created once per
/// <c>createKernels()</c> call.
/// </summary>
internal sealed class JsKernelContext
{
    private readonly JsCode _setup;
    private int _names;

    public JsKernelContext(int index, Kernel kernel, JsCode setup)
    {
        Index = index;
        Kernel = kernel;
        _setup = setup;
    }

    public int Index { get; }

    public Kernel Kernel { get; }

    public JsCode Code { get; } = new(3);

    public static string In(int i) => $"x{i}";

    public static string Out(int i) => $"y{i}";

    /// <summary>Declares <c>const tK_n = new Ctor([values])</c> in the createKernels scope; returns its name.</summary>
    public string Table(string ctor, IEnumerable<double> values)
    {
        string name = $"t{Index}_{_names++}";
        _setup.Line($"const {name} = new {ctor}([{string.Join(", ", values.Select(JsCode.Num))}]);");
        return name;
    }

    public string Table(IEnumerable<long> values) => Table("Int32Array", values.Select(v => (double)v));

    /// <summary>Declares a zeroed scratch array reused by every run (kernels run one at a time).</summary>
    public string Scratch(string ctor, long length)
    {
        string name = $"s{Index}_{_names++}";
        _setup.Line($"const {name} = new {ctor}({length.ToString(CultureInfo.InvariantCulture)});");
        return name;
    }
}
