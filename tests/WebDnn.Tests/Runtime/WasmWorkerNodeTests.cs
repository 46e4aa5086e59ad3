using System.Text.Json;
using WebDnn.Backends.Common;
using WebDnn.Tests.Support;

namespace WebDnn.Tests.Runtime;

/// <summary>
/// The wasm backend in Node (issue 9, item 4): by default its kernels run in a worker_threads worker, so the event loop
/// keeps turning during run() (with wasmWorker: false it cannot: the run is synchronous); wasmThreads: 2 shares one
/// memory between two workers; every mode returns the same bytes; a runner left undisposed does not keep the process
/// alive; bad option values are a TypeError before anything loads.
/// </summary>
public sealed class WasmWorkerNodeTests : IDisposable
{
    private const string Script = """
        import { pathToFileURL } from 'node:url';
        const [runtime, pkg] = process.argv.slice(2);
        const { load } = await import(pathToFileURL(runtime).href);
        const x = new Float32Array(64 * 1024).map((_, i) => Math.sin(i * 0.001));
        const results = [];
        for (const options of [{ wasmWorker: false }, {}, { wasmThreads: 2 }]) {
          const runner = await load(pkg, { backendOrder: ['wasm'], ...options });
          await runner.run({ x });
          let ticks = 0;
          const timer = setInterval(() => ticks++, 1);
          const out = await runner.run({ x });
          clearInterval(timer);
          results.push({ ticks, y: Buffer.from(out.y.data.buffer, out.y.data.byteOffset, out.y.data.byteLength).toString('base64') });
          // the last runner is not disposed: its workers must not keep the process alive
          if (options.wasmThreads !== 2) runner.dispose();
        }
        const errors = [];
        for (const options of [{ wasmThreads: 0 }, { wasmThreads: 1.5 }, { wasmThreads: '2' }, { wasmWorker: 'yes' }]) {
          try { await load(pkg, options); errors.push('loaded'); } catch (e) { errors.push(`${e.name}: ${e.message}`); }
        }
        console.log(JSON.stringify({ results, errors }));
        """;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "webdnn-wworker-node-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Runs_in_a_worker_by_default_threads_share_memory_and_every_mode_returns_the_same_bytes()
    {
        string pkg = Path.Combine(_dir, "pkg");
        PackageWriter.Write(SlowMatMulModel.Build(rows: 64, layers: 6).Program, pkg, ["wasm"]);
        string runtime = RuntimeAssets.CopyRuntimeTo(_dir);
        File.WriteAllText(Path.Combine(_dir, "run.mjs"), Script);
        var r = ProcessRunner.Run("node", [Path.Combine(_dir, "run.mjs"), runtime, pkg], _dir, timeoutMs: 120_000);
        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Stdout);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToArray();
        Assert.Equal(0, results[0].GetProperty("ticks").GetInt32());   // wasmWorker: false: the event loop waits for the run
        Assert.True(results[1].GetProperty("ticks").GetInt32() >= 1, "the event loop was blocked during a run in the worker");
        Assert.True(results[2].GetProperty("ticks").GetInt32() >= 1, "the event loop was blocked during a run on two threads");
        string y = results[0].GetProperty("y").GetString()!;
        Assert.Equal(y, results[1].GetProperty("y").GetString());
        Assert.Equal(y, results[2].GetProperty("y").GetString());
        var errors = doc.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal("TypeError: webdnn: wasmThreads must be an integer from 1 to 64, got 0", errors[0]);
        Assert.Equal("TypeError: webdnn: wasmThreads must be an integer from 1 to 64, got 1.5", errors[1]);
        Assert.Equal("TypeError: webdnn: wasmThreads must be an integer from 1 to 64, got \"2\"", errors[2]);
        Assert.Equal("TypeError: webdnn: wasmWorker must be true or false, got \"yes\"", errors[3]);
    }
}
