using WebDnn.Backends.Js;
using WebDnn.Backends.Wasm.Encoding;
using WebDnn.Backends.Wasm.Kernels;
using WebDnn.Core.Kernels;

namespace WebDnn.Backends.Wasm;

/// <summary>What <see cref="WasmWriter.Generate"/> produced.</summary>
/// <param name="Simd">kernels.wasm: the SIMD128 module.</param>
/// <param name="Relaxed">kernels-relaxed.wasm (the relaxed-SIMD variant), or null when no kernel uses relaxed instructions.</param>
/// <param name="Fallback">fallback.js (js kernels for the kernels not emitted in wasm), or null when every kernel is native.</param>
/// <param name="Kernels">Per kernel: its export name ("k3") or its fallback function ("js:0"), and the scratch bytes it needs.</param>
/// <param name="SimdShared">kernels-threads.wasm: <paramref name="Simd"/> importing a shared memory (worker threads).</param>
/// <param name="RelaxedShared">kernels-relaxed-threads.wasm: <paramref name="Relaxed"/> importing a shared memory, or null.</param>
public sealed record WasmOutput(byte[] Simd, byte[]? Relaxed, string? Fallback, IReadOnlyList<(string Entry, long Scratch)> Kernels,
    byte[] SimdShared, byte[]? RelaxedShared);

/// <summary>
/// The wasm backend's writer: one module (imported memory env.memory) exporting one function per native kernel, taking
/// the byte addresses of its inputs, its outputs and the shared scratch area; the other kernels run the js backend's
/// generated function on typed-array views into the same memory (fallback.js). Everything in the binary is numbers and
/// our own export names. Each module also exists importing a shared memory (<c>*-threads.wasm</c>), for worker threads
/// that split the kernels' work through the <c>tid</c>/<c>nthreads</c> globals (<see cref="WasmThreads"/>); a kernel not
/// listed in <see cref="IsSplit"/> runs on thread 0 only.
/// </summary>
public static class WasmWriter
{
    public const string SimdFile = "kernels.wasm";
    public const string RelaxedFile = "kernels-relaxed.wasm";
    public const string FallbackFile = "fallback.js";
    public const string SimdSharedFile = "kernels-threads.wasm";
    public const string RelaxedSharedFile = "kernels-relaxed-threads.wasm";

    /// <summary>Maximum of the shared memory the threads modules import: all of wasm32's 4 GiB (the runtime's memory declares its own, smaller maximum).</summary>
    public const uint SharedMaxPages = 65536;

    /// <summary>Whether this kernel runs as wasm (the rest fall back to the js kernel).</summary>
    public static bool IsNative(Kernel k) => k switch
    {
        ElementwiseKernel e => ElementwiseWasm.Supports(e),
        ConvKernel c => ConvWasm.Supports(c) || DepthwiseWasm.Supports(c) || WinogradWasm.Supports(c),
        MatMulKernel m => MatMulWasm.Supports(m),
        NormKernel n => NormWasm.Supports(n),
        SoftmaxKernel s => SoftmaxWasm.Supports(s),
        CopyKernel c => CopyWasm.Supports(c),
        ConvTransposeKernel t => ConvTransposeWasm.Supports(t),
        PoolKernel p => PoolWasm.Supports(p),
        GatherKernel g => GatherWasm.Supports(g),
        ReduceKernel r => ReduceWasm.Supports(r),
        ResizeKernel r => ResizeWasm.Supports(r),
        GatherElementsKernel g => GatherElementsWasm.Supports(g),
        _ => false,
    };

    /// <summary>
    /// Whether this native kernel's emitter computes only its thread's share (<see cref="WasmThreads"/>); every other
    /// native kernel starts with <see cref="WasmThreads.OnlyThreadZero"/>. A new emitter is listed here once it splits.
    /// </summary>
    public static bool IsSplit(Kernel k) => k switch
    {
        ElementwiseKernel e => ElementwiseWasm.Supports(e),
        ConvKernel c => ConvWasm.Supports(c) || DepthwiseWasm.Supports(c) || WinogradWasm.Supports(c),
        MatMulKernel m => MatMulWasm.Supports(m),
        PoolKernel p => PoolWasm.Supports(p),
        NormKernel n => NormWasm.Supports(n),
        SoftmaxKernel s => SoftmaxWasm.Supports(s),
        CopyKernel c => CopyWasm.Supports(c),
        ResizeKernel r => ResizeWasm.Supports(r),
        GatherElementsKernel g => GatherElementsWasm.Supports(g),
        ConvTransposeKernel t => ConvTransposeWasm.Supports(t),
        _ => false,
    };

    public static WasmOutput Generate(KernelProgram program)
    {
        var (simdModule, entries, _) = Module(program, relaxed: false);
        var (relaxedModule, _, usesRelaxed) = Module(program, relaxed: true);
        byte[] simd = simdModule.ToBytes(), relaxedBytes = relaxedModule.ToBytes();
        var fallbackKernels = program.Kernels.Where(k => !IsNative(k)).ToList();
        string? fallback = null;
        if (fallbackKernels.Count > 0)
        {
            var p = program.Clone();
            p.Kernels.Clear();
            p.Kernels.AddRange(program.Clone().Kernels.Where(k => !IsNative(k)));
            fallback = JsWriter.Generate(p);
        }
        return new WasmOutput(simd, usesRelaxed ? relaxedBytes : null, fallback, entries,
            simdModule.ToSharedBytes(SharedMaxPages), usesRelaxed ? relaxedModule.ToSharedBytes(SharedMaxPages) : null);
    }

    private static (ModuleWriter Module, List<(string, long)> Entries, bool UsesRelaxed) Module(KernelProgram program, bool relaxed)
    {
        var module = new ModuleWriter();
        WasmThreads.Declare(module);
        var ctx = new WasmModuleContext(module, relaxed);
        var entries = new List<(string, long)>();
        int js = 0;
        for (int i = 0; i < program.Kernels.Count; i++)
        {
            var k = program.Kernels[i];
            if (!IsNative(k))
            {
                entries.Add(($"js:{js++}", 0));
                continue;
            }
            var f = new FunctionBody([.. Enumerable.Repeat(ValType.I32, k.Inputs.Length + k.Outputs.Length + 1)]);
            if (!IsSplit(k))
            {
                WasmThreads.OnlyThreadZero(f);
            }
            long scratch = k switch
            {
                ElementwiseKernel e => Void(() => ElementwiseWasm.Emit(f, e)),
                ConvKernel c when DepthwiseWasm.Supports(c) => DepthwiseWasm.Emit(f, c),
                ConvKernel c when WinogradWasm.Supports(c) => WinogradWasm.Emit(ctx, f, c),
                ConvKernel c => ConvWasm.Emit(ctx, f, c),
                MatMulKernel m => Void(() => MatMulWasm.Emit(ctx, f, m)),
                NormKernel n => Void(() => NormWasm.Emit(f, n)),
                SoftmaxKernel s => Void(() => SoftmaxWasm.Emit(f, s)),
                CopyKernel c => Void(() => CopyWasm.Emit(f, c)),
                ConvTransposeKernel t => ConvTransposeWasm.Emit(ctx, f, t),
                PoolKernel p => PoolWasm.Emit(f, p),
                GatherKernel g => Void(() => GatherWasm.Emit(f, g)),
                ReduceKernel r => Void(() => ReduceWasm.Emit(f, r)),
                ResizeKernel r => ResizeWasm.Emit(ctx, f, r),
                GatherElementsKernel g => Void(() => GatherElementsWasm.Emit(f, g)),
                _ => throw new InvalidOperationException(k.Primitive),
            };
            string name = $"k{i}";
            module.Export(name, module.AddFunction(f));
            entries.Add((name, scratch));
        }
        bool uses = module.Features.Contains(WasmFeature.RelaxedSimd);
        return (module, entries, uses);
    }

    private static long Void(Action a)
    {
        a();
        return 0;
    }
}
