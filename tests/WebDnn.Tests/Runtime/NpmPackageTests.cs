using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using WebDnn.Backends.Common;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Runtime;

/// <summary>`npm pack` of runtime/ once per test class; the tarball and a tiny compiled package shared by the tests.</summary>
public sealed class PackedRuntime : IDisposable
{
    public PackedRuntime()
    {
        Directory.CreateDirectory(Work);
        var r = ProcessRunner.Run("npm", ["pack", "--json", "--pack-destination", Work], RuntimeDir);
        if (r.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm pack failed: {r}");
        }
        Pack = JsonNode.Parse(r.Stdout)!.AsArray()[0]!.AsObject();
        Tarball = Path.Combine(Work, Pack["filename"]!.GetValue<string>());

        var pb = TinyModel.Build();
        ModelDir = Path.Combine(Work, "model");
        PackageWriter.Write(pb.Program, ModelDir, ["js"]);
        RuntimeAssets.CopyRuntimeTo(ModelDir);
    }

    public static string RuntimeDir => Path.Combine(Conformance.ReferenceNodeTests.FindRepoRoot(), "runtime");

    public string Work { get; } = Path.Combine(Path.GetTempPath(), "webdnn-npm-" + Guid.NewGuid().ToString("N")[..12]);

    /// <summary>The entry of `npm pack --json`: filename, size, unpackedSize, files.</summary>
    public JsonObject Pack { get; }

    public string Tarball { get; }

    /// <summary>A js package (input x f32[4], output y) with a copy of webdnn.mjs in it, as `webdnn compile` writes it.</summary>
    public string ModelDir { get; }

    /// <summary>A fresh npm project in a new folder with <paramref name="packageJson"/>, the tarball installed.</summary>
    public string NewProject(string name, string packageJson)
    {
        string dir = Path.Combine(Work, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "package.json"), packageJson);
        var r = ProcessRunner.Run("npm", ["install", "--offline", "--no-package-lock", Tarball], dir);
        Assert.True(r.ExitCode == 0, $"npm install of the tarball failed: {r}");
        return dir;
    }

    public void Dispose()
    {
        if (Directory.Exists(Work))
        {
            Directory.Delete(Work, recursive: true);
        }
    }
}

/// <summary>The runtime as an npm package (issue 11, part 1): contents, types under tsc --strict, ESM and CommonJS Node projects.</summary>
public sealed class NpmPackageTests(PackedRuntime packed) : IClassFixture<PackedRuntime>
{
    [Fact]
    public void Pack_holds_the_module_its_types_and_readme_and_no_sources()
    {
        var files = packed.Pack["files"]!.AsArray().Select(f => f!["path"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("package.json", files);
        Assert.Contains("README.md", files);
        Assert.Contains("dist/webdnn.mjs", files);
        Assert.Contains("dist/types/index.d.ts", files);
        Assert.Contains("dist/types/session.d.ts", files);
        Assert.DoesNotContain(files, f => f.StartsWith("src/", StringComparison.Ordinal) || f.Contains("node_modules", StringComparison.Ordinal));

        var pkg = JsonNode.Parse(File.ReadAllText(Path.Combine(PackedRuntime.RuntimeDir, "package.json")))!;
        Assert.Equal("webdnn", pkg["name"]!.GetValue<string>());
        Assert.Null(pkg["private"]);
        Assert.Matches(@"^\d+\.\d+\.\d+$", pkg["version"]!.GetValue<string>());
        var dot = pkg["exports"]!["."]!;
        Assert.Equal("./dist/types/index.d.ts", dot["types"]!.GetValue<string>());
        foreach (var condition in new[] { "browser", "node", "default" })
        {
            Assert.Equal("./dist/webdnn.mjs", dot[condition]!.GetValue<string>());
        }
        // Every version is pinned (DESIGN: pin npm versions).
        Assert.All(pkg["devDependencies"]!.AsObject(), d => Assert.Matches(@"^\d+\.\d+\.\d+$", d.Value!.GetValue<string>()));

        byte[] module = File.ReadAllBytes(Path.Combine(PackedRuntime.RuntimeDir, "dist", "webdnn.mjs"));
        using var gz = new MemoryStream();
        using (var z = new GZipStream(gz, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            z.Write(module);
        }
        TestSummary.Add($"[npm] {packed.Pack["filename"]}: {packed.Pack["size"]} bytes packed, {packed.Pack["unpackedSize"]} unpacked; " +
            $"webdnn.mjs {module.Length} bytes, {gz.Length} gzipped");
    }

    [Fact]
    public void A_fresh_typescript_project_type_checks_under_strict()
    {
        string dir = packed.NewProject("ts", """{ "name": "ts-user", "private": true, "type": "module" }""");
        File.WriteAllText(Path.Combine(dir, "page.ts"), """
            import { load, availableBackends, type Runner, type Tensor, type TensorInfo, type LoadOptions } from 'webdnn';

            export let ratio = 0;
            const options: LoadOptions = { backendOrder: ['wasm', 'js'], onProgress: (loaded: number, total: number) => { ratio = loaded / total; } };
            const runner: Runner = await load('models/squeezenet/', options);
            const inputs: TensorInfo[] = runner.inputs;
            const out: Record<string, Tensor> = await runner.run({ [inputs[0]!.name]: new Float32Array(4) });
            const shape: number[] | undefined = out['y']?.shape;
            const names: string[] = await availableBackends();
            export const seen = [runner.backend, shape, names];
            runner.dispose();

            // The types are real, not `any`: each misuse below must be an error, or tsc reports an unused directive.
            // @ts-expect-error run() takes inputs by name
            await runner.run(new Float32Array(4));
            // @ts-expect-error backendOrder is a list of names
            await load('models/squeezenet/', { backendOrder: 'js' });
            // @ts-expect-error onProgress gets numbers
            await load('models/squeezenet/', { onProgress: (loaded: string) => loaded });
            """);
        string tsc = Path.Combine(PackedRuntime.RuntimeDir, "node_modules", "typescript", "bin", "tsc");
        foreach (var lib in new[] { "\"es2022\", \"dom\"", "\"es2022\"" })
        {
            // es2022 alone: a Node project without DOM types must type-check too (skipLibCheck off: our .d.ts are checked).
            File.WriteAllText(Path.Combine(dir, "tsconfig.json"), $$"""
                { "compilerOptions": { "strict": true, "noEmit": true, "skipLibCheck": false, "target": "es2022", "module": "nodenext",
                  "moduleResolution": "nodenext", "lib": [{{lib}}], "types": [] }, "files": ["page.ts"] }
                """);
            var r = ProcessRunner.Run("node", [tsc, "-p", "tsconfig.json"], dir);
            Assert.True(r.ExitCode == 0, $"tsc --strict (lib {lib}) failed: {r}");
        }
    }

    [Theory]
    [InlineData("module")]
    [InlineData("commonjs")]
    public void A_fresh_node_project_imports_the_package_and_runs_a_model(string type)
    {
        string dir = packed.NewProject("node-" + type, $$"""{ "name": "node-user", "private": true, "type": "{{type}}" }""");
        string model = JsonSerializer.Serialize(packed.ModelDir);
        const string Body = """
            const runner = await load(MODEL);
            const out = await runner.run({ x: new Float32Array([1, 2, 3, 4]) });
            console.log(JSON.stringify({ backend: runner.backend, y: Array.from(out.y.data) }));
            runner.dispose();
            """;
        var scripts = new Dictionary<string, string>(StringComparer.Ordinal);
        if (type == "module")
        {
            scripts["from-npm.js"] = "import { load } from 'webdnn';\n" + Body.Replace("MODEL", model, StringComparison.Ordinal);
            scripts["from-copy.js"] = $"import {{ load }} from {JsonSerializer.Serialize(new Uri(Path.Combine(packed.ModelDir, RuntimeAssets.RuntimeFile)).AbsoluteUri)};\n" +
                Body.Replace("MODEL", model, StringComparison.Ordinal);
        }
        else
        {
            // require() of an ES module works from Node 20.19; import() everywhere.
            scripts["from-npm.js"] = "const { load } = require('webdnn');\n(async () => {\n" + Body.Replace("MODEL", model, StringComparison.Ordinal) + "\n})();";
            scripts["import-npm.js"] = "(async () => {\nconst { load } = await import('webdnn');\n" + Body.Replace("MODEL", model, StringComparison.Ordinal) + "\n})();";
            scripts["from-copy.js"] = $"(async () => {{\nconst {{ load }} = await import({JsonSerializer.Serialize(Path.Combine(packed.ModelDir, RuntimeAssets.RuntimeFile))});\n" +
                Body.Replace("MODEL", model, StringComparison.Ordinal) + "\n})();";
        }
        foreach (var (file, text) in scripts)
        {
            File.WriteAllText(Path.Combine(dir, file), text);
            var r = ProcessRunner.Run("node", [file], dir);
            Assert.True(r.ExitCode == 0, $"{type}/{file}: {r}");
            var result = JsonNode.Parse(r.Stdout.Trim().Split('\n')[^1])!;
            Assert.Equal("js", result["backend"]!.GetValue<string>());
            Assert.Equal([2.0, 6, 12, 20], result["y"]!.AsArray().Select(v => v!.GetValue<double>()));
        }
    }
}
