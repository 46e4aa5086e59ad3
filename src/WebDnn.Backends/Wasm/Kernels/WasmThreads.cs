using WebDnn.Backends.Wasm.Encoding;

namespace WebDnn.Backends.Wasm.Kernels;

/// <summary>
/// How kernels share their work between the worker threads that instantiate one module on one shared memory. Every
/// module defines two mutable i32 globals, exported as <c>tid</c> (this instance's thread, 0-based) and <c>nthreads</c>
/// (default 0 and 1: one thread), which the runtime sets once per worker. Every thread calls every exported kernel with
/// the same addresses (except the scratch address, one area per thread) and the runtime waits for all of them before
/// the next kernel, so a kernel either computes its own share of the output (a contiguous range of work units, see
/// <see cref="Range"/>) or starts with <see cref="OnlyThreadZero"/>; no two threads write the same byte.
/// </summary>
internal static class WasmThreads
{
    public const int TidGlobal = 0;
    public const int CountGlobal = 1;
    public const string TidExport = "tid";
    public const string CountExport = "nthreads";

    /// <summary>Adds the two globals (must be the module's first globals) and their exports.</summary>
    public static void Declare(ModuleWriter m)
    {
        int tid = m.AddGlobal(mutable: true, 0);
        int count = m.AddGlobal(mutable: true, 1);
        if (tid != TidGlobal || count != CountGlobal)
        {
            throw new InvalidOperationException("the thread globals must be the module's first globals");
        }
        m.ExportGlobal(TidExport, tid);
        m.ExportGlobal(CountExport, count);
    }

    /// <summary>Prologue of a kernel that is not split: threads other than 0 return at once.</summary>
    public static void OnlyThreadZero(FunctionBody f)
    {
        f.GlobalGet(TidGlobal).If();
        f.Op(WasmOpcode.Return);
        f.End();
    }

    /// <summary>
    /// This thread's units [start, end) of <paramref name="units"/> work units, in two new locals: chunks of
    /// ⌈units / nthreads⌉ in thread order (the last threads may get fewer or none). Sums stay below 2·units: no overflow.
    /// </summary>
    public static (int Start, int End) Range(FunctionBody f, int units)
    {
        int start = f.Local(ValType.I32), end = f.Local(ValType.I32), chunk = f.Local(ValType.I32);
        // chunk = (units + nthreads - 1) / nthreads
        f.I32Const(units).GlobalGet(CountGlobal).Op(WasmOpcode.I32Add).I32Const(1).Op(WasmOpcode.I32Sub)
            .GlobalGet(CountGlobal).Op(WasmOpcode.I32DivU).LocalSet(chunk);
        // start = min(tid · chunk, units); end = min(start + chunk, units)
        Min(f, () => f.GlobalGet(TidGlobal).LocalGet(chunk).Op(WasmOpcode.I32Mul), units);
        f.LocalSet(start);
        Min(f, () => f.LocalGet(start).LocalGet(chunk).Op(WasmOpcode.I32Add), units);
        f.LocalSet(end);
        return (start, end);
    }

    /// <summary>Pushes whether unit <paramref name="unit"/> is in [start, end) (the thread that owns an edge block).</summary>
    public static void Owns(FunctionBody f, (int Start, int End) range, int unit)
    {
        f.LocalGet(range.Start).I32Const(unit).Op(WasmOpcode.I32LeU);
        f.I32Const(unit).LocalGet(range.End).Op(WasmOpcode.I32LtU);
        f.Op(WasmOpcode.I32And);
    }

    /// <summary>
    /// for (v = first · step; v &lt; min(end, limit) · step; v += step) body: the full units of a range, none when empty.
    /// </summary>
    public static void Loop(FunctionBody f, int v, (int Start, int End) range, int limit, int step, Action body)
    {
        int stop = f.Local(ValType.I32);
        Min(f, () => f.LocalGet(range.End), limit);
        f.I32Const(step).Op(WasmOpcode.I32Mul).LocalSet(stop);
        f.LocalGet(range.Start).I32Const(step).Op(WasmOpcode.I32Mul).LocalSet(v);
        f.Block();
        f.LocalGet(v).LocalGet(stop).Op(WasmOpcode.I32GeU).BrIf(0);
        f.Loop();
        body();
        f.LocalGet(v).I32Const(step).Op(WasmOpcode.I32Add).LocalTee(v).LocalGet(stop).Op(WasmOpcode.I32LtU).BrIf(0);
        f.End();
        f.End();
    }

    /// <summary>
    /// This thread's rows [lo, hi) of <paramref name="rows"/>, in two new locals: the MR-row blocks that a
    /// <see cref="GemmSplit.Rows"/> GEMM over as many rows gives this thread (same chunks), so a kernel can post-process
    /// exactly the rows its own GEMM wrote.
    /// </summary>
    public static (int Lo, int Hi) GemmRows(FunctionBody f, int rows)
    {
        var blocks = Range(f, (rows + GemmEmitter.MR - 1) / GemmEmitter.MR);
        int lo = f.Local(ValType.I32), hi = f.Local(ValType.I32);
        f.LocalGet(blocks.Start).I32Const(GemmEmitter.MR).Op(WasmOpcode.I32Mul).LocalSet(lo);
        Min(f, () => f.LocalGet(blocks.End).I32Const(GemmEmitter.MR).Op(WasmOpcode.I32Mul), rows);
        f.LocalSet(hi);
        return (lo, hi);
    }

    /// <summary>for (v = lo; v &lt; hi; v++) body, lo and hi locals: none when empty.</summary>
    public static void Each(FunctionBody f, int v, (int Lo, int Hi) range, Action body)
    {
        f.LocalGet(range.Lo).LocalSet(v);
        f.Block();
        f.LocalGet(v).LocalGet(range.Hi).Op(WasmOpcode.I32GeU).BrIf(0);
        f.Loop();
        body();
        f.LocalGet(v).I32Const(1).Op(WasmOpcode.I32Add).LocalTee(v).LocalGet(range.Hi).Op(WasmOpcode.I32LtU).BrIf(0);
        f.End();
        f.End();
    }

    /// <summary>Pushes min(value, bound) (unsigned) for the value <paramref name="push"/> pushes (evaluated once).</summary>
    private static void Min(FunctionBody f, Action push, int bound)
    {
        int t = f.Local(ValType.I32);
        push();
        f.LocalTee(t).I32Const(bound).LocalGet(t).I32Const(bound).Op(WasmOpcode.I32LtU).Op(WasmOpcode.Select);
    }
}
