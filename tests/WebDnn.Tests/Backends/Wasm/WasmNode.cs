using System.Diagnostics;
using System.Text.Json;

namespace WebDnn.Tests.Backends.Wasm;

/// <summary>Runs WebAssembly modules in Node: validation, and calling an export on a memory holding given f32 values.</summary>
public static class WasmNode
{
    /// <summary>Node 20 ships relaxed SIMD behind this flag (Chromium has it on).</summary>
    public const string RelaxedFlag = "--experimental-wasm-relaxed-simd";

    private const string Script = """
        import { readFileSync, writeFileSync } from 'node:fs';
        const [modPath, reqPath, outPath] = process.argv.slice(2);
        const bytes = readFileSync(modPath);
        const req = JSON.parse(readFileSync(reqPath, 'utf8'));
        const out = { valid: WebAssembly.validate(bytes) };
        if (!out.valid) { try { new WebAssembly.Module(bytes); } catch (e) { out.error = String(e.message); } }
        if (out.valid && req.run) {
          const memory = new WebAssembly.Memory({ initial: req.pages });
          new Float32Array(memory.buffer, 0, req.input.length).set(req.input);
          const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
          inst.exports[req.run](...req.args);
          out.f32 = Array.from(new Float32Array(memory.buffer, req.outAt, req.outLen));
          out.i32 = Array.from(new Int32Array(memory.buffer, req.outAt, req.outLen));
        }
        writeFileSync(outPath, JSON.stringify(out));
        """;

    /// <summary>Whether the module validates, the f32/i32 view of the results, and the engine's compile error when it does not.</summary>
    public sealed record Result(bool Valid, float[] F32, int[] I32, string? Error = null);

    /// <summary>Validates <paramref name="module"/> and, if <paramref name="export"/> is given, runs it.</summary>
    public static Result Run(byte[] module, string? export = null, float[]? input = null, int[]? args = null, int outAt = 0, int outLen = 0,
        bool relaxed = false, int pages = 1)
    {
        string work = Path.Combine(Path.GetTempPath(), "webdnn-wasm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            File.WriteAllText(Path.Combine(work, "run.mjs"), Script);
            File.WriteAllBytes(Path.Combine(work, "m.wasm"), module);
            File.WriteAllText(Path.Combine(work, "req.json"), JsonSerializer.Serialize(new
            {
                run = export,
                input = input ?? [],
                args = args ?? [],
                outAt,
                outLen,
                pages,
            }));
            string outPath = Path.Combine(work, "out.json");
            string[] argv = [.. relaxed ? [RelaxedFlag] : Array.Empty<string>(), Path.Combine(work, "run.mjs"), Path.Combine(work, "m.wasm"), Path.Combine(work, "req.json"), outPath];
            var psi = new ProcessStartInfo("node", argv) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            string err = p.StandardError.ReadToEnd();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (!File.Exists(outPath))
            {
                throw new InvalidOperationException($"node failed (exit {p.ExitCode}): {err}");
            }
            using var doc = JsonDocument.Parse(File.ReadAllText(outPath));
            var r = doc.RootElement;
            float[] f = r.TryGetProperty("f32", out var fe) ? [.. fe.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Null ? float.NaN : e.GetSingle())] : [];
            int[] i = r.TryGetProperty("i32", out var ie) ? [.. ie.EnumerateArray().Select(e => e.GetInt32())] : [];
            return new Result(r.GetProperty("valid").GetBoolean(), f, i, r.TryGetProperty("error", out var er) ? er.GetString() : null);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
