using System.Text.RegularExpressions;
using WebDnn.Backends.Common;
using WebDnn.Core;
using WebDnn.Core.Kernels;
using WebDnn.Tests.Backends;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Runtime;

/// <summary>
/// Every JavaScript snippet of docs/runtime.md, run in Node against a stand-in package named like the docs' SqueezeNet
/// (input 'input' f32[1,3,224,224], output 'logits'): ```js and ```js node as ES modules, ```js node-cjs as CommonJS;
/// page-only snippets (```js browser, ```js worker.js) are syntax-checked with node --check.
/// </summary>
public sealed partial class DocSnippetTests : IDisposable
{
    private const string Prelude = """
        import { readFileSync } from 'node:fs';
        globalThis.bar = { value: 0 };
        globalThis.token = 'test-token';
        // Relative URLs (as a page would fetch them) read the stand-in files; /api/models/NAME/ is models/NAME/.
        globalThis.fetch = async (url) => new Response(readFileSync(String(url).replace(/^\/api\/models\//, 'models/').replace(/^\//, '')));
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-docs-" + Guid.NewGuid().ToString("N")[..12]);

    public DocSnippetTests()
    {
        var pb = new ProgramBuilder();
        var x = pb.Input("input", DataType.Float32, [1, 3, 224, 224]);
        var w = pb.Weight(DataType.Float32, [1, 3, 224, 224]);
        var prod = pb.Act(DataType.Float32, 1, 3, 224, 224);
        pb.Add(new ElementwiseKernel(Expr.Bin(BinaryOp.Mul, Expr.In(0, DataType.Float32), Expr.In(1, DataType.Float32))) { Inputs = [x, w], Outputs = [prod] });
        var logits = pb.Act(DataType.Float32, 1, 3);
        pb.Add(new ReduceKernel(ReduceKind.Sum, [2, 3], false) { Inputs = [prod], Outputs = [logits] });
        pb.Output("logits", logits);
        foreach (var folder in new[] { "out/squeezenet", "models/squeezenet" })
        {
            PackageWriter.Write(pb.Program, Path.Combine(_dir, folder), ["js"]);
        }
        PackedPackage.Pack(Path.Combine(_dir, "out/squeezenet"), Path.Combine(_dir, "squeezenet.tar"));
        RuntimeAssets.CopyRuntimeTo(_dir);
        File.WriteAllText(Path.Combine(_dir, "prelude.mjs"), Prelude);
        // require('webdnn') / import('webdnn') resolve to the runtime folder, as after `npm install webdnn`.
        Directory.CreateDirectory(Path.Combine(_dir, "node_modules"));
        Directory.CreateSymbolicLink(Path.Combine(_dir, "node_modules", "webdnn"), PackedRuntime.RuntimeDir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<int, string> Snippets()
    {
        var data = new TheoryData<int, string>();
        foreach (var (line, info, _) in Blocks().Where(b => b.Info.StartsWith("js", StringComparison.Ordinal)))
        {
            data.Add(line, info);
        }
        return data;
    }

    private static IEnumerable<(int Line, string Info, string Code)> Blocks()
    {
        var lines = File.ReadAllLines(Path.Combine(Conformance.ReferenceNodeTests.FindRepoRoot(), "docs", "runtime.md"));
        for (int i = 0; i < lines.Length; i++)
        {
            var open = Fence().Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }
            int start = i;
            var code = new List<string>();
            for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
            {
                code.Add(lines[i]);
            }
            yield return (start + 1, open.Groups[1].Value.Trim(), string.Join('\n', code));
        }
    }

    [GeneratedRegex(@"^\s*```(\w.*)$")]
    private static partial Regex Fence();

    [Fact]
    public void The_page_has_snippets_of_every_kind()
    {
        var kinds = Blocks().Select(b => b.Info).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(["js", "js node", "js node-cjs", "js browser", "js worker.js"], StringComparer.Ordinal), kinds);
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void Snippet_runs(int line, string info)
    {
        string code = Blocks().Single(b => b.Line == line).Code;
        bool pageOnly = info is "js browser" or "js worker.js";
        string file = Path.Combine(_dir, $"snippet-{line}{(info == "js node-cjs" ? ".cjs" : ".mjs")}");
        File.WriteAllText(file, code);
        string[] args = pageOnly ? ["--check", file] : ["--import", "./prelude.mjs", file];
        var r = ProcessRunner.Run("node", args, _dir);
        Assert.True(r.ExitCode == 0, $"docs/runtime.md line {line} ({info}): {r}");
        if (!pageOnly && code.Contains("console.log", StringComparison.Ordinal))
        {
            Assert.False(string.IsNullOrWhiteSpace(r.Stdout), $"line {line} printed nothing");
        }
    }
}
