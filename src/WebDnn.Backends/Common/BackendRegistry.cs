using WebDnn.Backends.Js;
using WebDnn.Backends.Wasm;
using WebDnn.Backends.WebGpu;
using WebDnn.Core.Kernels;


namespace WebDnn.Backends.Common;

/// <summary>
/// The backends this build can compile for, in the runtime's default order of preference. Adding a backend is a
/// folder and one line here; nothing else names backends. (A backend outside this list, e.g. a test's, is passed to
/// <see cref="PackageWriter.Write(KernelProgram, string, IReadOnlyList{IBackend}, IProgress{string}?)"/> directly.)
/// </summary>
public static class BackendRegistry
{
    private static readonly IReadOnlyList<IBackend> s_all =
    [
        new WebGpuBackend(),
        new WasmBackend(),
        new JsBackend(),
    ];

    public static IReadOnlyList<IBackend> All => s_all;

    public static IReadOnlyList<string> Names => [.. s_all.Select(b => b.Name)];

    public static IBackend? Find(string name) => s_all.FirstOrDefault(b => b.Name == name);

    /// <summary>Backends for <paramref name="names"/>, refusing unknown names with the list of known ones.</summary>
    /// <exception cref="Core.UsageException">An unknown or empty list.</exception>
    public static IReadOnlyList<IBackend> Resolve(IEnumerable<string> names)
    {
        var list = names.Distinct().ToList();
        if (list.Count == 0)
        {
            throw new Core.UsageException("no backend requested");
        }
        var unknown = list.Where(n => Find(n) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new Core.UsageException($"backend(s) {string.Join(", ", unknown)} not available (this build supports: {string.Join(", ", Names)})");
        }
        return [.. list.Select(n => Find(n)!)];
    }

    /// <summary>The strictest limits of <paramref name="names"/> (what the graph passes obey); all backends when null.</summary>
    public static Target TargetFor(IEnumerable<string>? names) =>
        Target.Meet(names is null ? [.. s_all.Select(b => b.Target)] : [.. Resolve(names).Select(b => b.Target)]);
}
